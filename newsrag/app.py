"""The one way into newsrag: `App(settings)` owns the store, the embedder, the lexical index view and the
answer backends, and offers everything the CLI, the chat and the evaluation do.

    app = App(Settings.from_env())
    app.ingest([Path("articles")])
    app.ask("What did Russia demand?")["answer"]["answer"]
    app.chain().invoke({"question": "..."})      # a LangChain Runnable
    app.retriever().invoke("Geneva")             # a LangChain BaseRetriever
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable, Iterator

from newsrag.index.embed import BaseEmbedder
from newsrag.index.embedders import make_embedder
from newsrag.errors import NewsragError
from newsrag.index import inbox, pending, versions
from newsrag.index.ingest import IngestReport, discover, ingest, ingest_documents
from newsrag.index.pacing import Pacing
from newsrag.index.load import Document, load, parse, with_meta
from newsrag.index.store import Article, ChromaStore
from newsrag.index.uploads import not_uploaded, save_uploads, staging_dir, upload_dir, uploaded_file
from newsrag.index.versions import Removed
from newsrag.index.writer import Job, Turns, Writer
from newsrag.index.view import reading_view
from newsrag.rag import backends
from newsrag.rag.answer import Answerer
from newsrag.rag.chain import NewsChain
from newsrag.rag.filters import Filters
from newsrag.rag.lexical import CorpusCache
from newsrag.rag.retrieve import HybridRetriever
from newsrag.settings import Settings

Progress = Callable[[int, int], None]


class App:
    """Store, embedder and one shared view of the lexical index; a chain per answer backend, built on first use.

    Every index change goes through one writer thread, in order (`submit_uploads` does not wait for
    it); questions go first and are answered from the last committed state meanwhile: the lock is
    held by retrieval and by the writer's commit points only.
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None, embedder: BaseEmbedder | None = None):
        self.settings = settings
        self.store = store or ChromaStore.open(settings)
        self.embedder = embedder or make_embedder(settings)
        self.corpus = CorpusCache(self.store)
        self.lock = threading.RLock()
        self.turns = Turns()
        self.writer = Writer(prepare=self._heal)
        self._chains: dict[str, NewsChain] = {}

    # -- answering -------------------------------------------------------------------------------
    @staticmethod
    def backends() -> list[str]:
        """Answer backends whose packages are installed, for menus and `--backend` choices."""
        return backends.installed()

    def answerer(self, backend: str | None = None) -> Answerer:
        return backends.make_answerer(self.settings.with_(backend=backend), self.embedder)

    def retriever(self, k: int | None = None) -> HybridRetriever:
        """Hybrid retrieval as a LangChain retriever (Documents carry source, title, start, end, score)."""
        s = self.settings
        return HybridRetriever(store=self.store, embedder=self.embedder, corpus=self.corpus, k=k or s.k,
                               rrf_k=s.rrf_k, lexical_weight=s.lexical_weight)

    def chain(self, backend: str | None = None) -> NewsChain:
        """The answering Runnable for a backend (default: the configured one), shared across calls."""
        name = backend or self.settings.backend
        with self.lock:
            if name not in self._chains:
                self._chains[name] = NewsChain(self.settings.with_(backend=name), self.retriever(),
                                               self.answerer(name), guard=self.lock)
            return self._chains[name]

    def stream(self, question: str, history: list[dict] | None = None, k: int | None = None,
               backend: str | None = None, filters: Filters | None = None) -> Iterator[dict]:
        """{"delta": text} pieces, then {"answer", "notice", "closest", "evidence"}; `filters` restrict the sources."""
        with self.turns.question():  # a running ingest waits between slices until this is answered
            yield from self.chain(backend).stream({"question": question, "history": history, "k": k, "filters": filters})

    def ask(self, question: str, history: list[dict] | None = None, k: int | None = None,
            backend: str | None = None, filters: Filters | None = None) -> dict:
        """The final event of `stream`: the answer JSON dict with its evidence and the closest articles."""
        final: dict = {}
        for event in self.stream(question, history, k, backend, filters):
            if "answer" in event:
                final = dict(event)
        return final

    def warm(self) -> None:
        """Load the embedding model, open the lexical index and load the reader and its verifier now, not on
        the first question."""
        self.embedder.encode(["warm-up"])
        self.corpus.get()
        self.chain().verifier  # loads the reader too

    # -- the index: every change goes through the one writer ----------------------------------------
    @property
    def pacing(self) -> Pacing:
        """Ingests pause for questions and hold the lock only around the commit point."""
        return Pacing(pause=self.turns.pause, commit=lambda: self.lock, slice=self.turns.slice)

    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        """Index files or folders (the command line's way in). An uploaded article they replace leaves
        the uploads folder for the shelf of removed versions: the index no longer holds it."""
        paths = [Path(p) for p in paths]

        def work(job: Job) -> IngestReport:
            before = self.store.articles()
            uploaded = [s for _, s in discover(paths).files if uploaded_file(self.settings.home, s) is not None]
            with self._paired(uploaded):
                report = ingest(paths, self.store, self.embedder, self.settings, progress, self.pacing)
                for source in report.added + report.updated:
                    self._retire_upload(source, before.get(source))
            return report
        return self.writer.run("ingest", work)

    def watch_inbox(self) -> None:
        """Take `newsrag ingest` requests from the command line while this process holds the embedded
        data folder (index/inbox.py): each runs on the writer, like an upload."""
        def handle(paths: list[Path]) -> dict:
            report = self.ingest(paths)
            return {**asdict(report), "summary": report.summary()}
        inbox.watch(self.settings.home, handle)

    def ingest_documents(self, docs: Iterable[Document], progress: Progress | None = None) -> IngestReport:
        """Index documents made in memory (`newsrag.index.load.from_text`), e.g. an evaluation corpus."""
        return self.writer.run("ingest", lambda job: ingest_documents(docs, self.store, self.embedder, self.settings,
                                                                      progress, pacing=self.pacing))

    def submit_uploads(self, files: list[tuple[Path, str]]) -> tuple[list[Job], list[tuple[str, str]]]:
        """Stage (temporary path, name as sent) files and queue one ingest job per file; returns the jobs
        (state, progress, then an `IngestReport`) and the files refused at once. Nothing waits here."""
        folder = staging_dir(self.settings.home)
        staged = save_uploads(files, self.settings.home, self.settings.max_file_bytes, folder=folder)
        if not staged.paths:
            shutil.rmtree(folder, ignore_errors=True)
        return [self.writer.submit(p.name, lambda job, p=p: self._upload(p, job)) for p in staged.paths], staged.failed

    def upload(self, files: list[tuple[Path, str]]) -> tuple[IngestReport, list[tuple[str, str]]]:
        """`submit_uploads` and wait: the reports of all files merged, and the files refused before ingest."""
        jobs, refused = self.submit_uploads(files)
        merged = IngestReport()
        for job in jobs:
            report = job.wait()
            for name in ("added", "updated", "unchanged", "failed", "skipped", "warnings"):
                getattr(merged, name).extend(getattr(report, name))
            merged.chunks += report.chunks
        return merged, refused

    def _upload(self, staged: Path, job: Job) -> IngestReport:
        """Ingest one staged upload, then move it into the uploads folder: the file and its index
        entries change together, and a file that fails leaves the previous version in place."""
        name, home = staged.name, self.settings.home
        try:
            current = self.store.articles().get(name)
            if current is not None and uploaded_file(home, name) is None:
                return IngestReport(failed=[(name, str(not_uploaded(name)))])
            with self._paired([name], staged):
                report = ingest([staged], self.store, self.embedder, self.settings, job.progress, self.pacing)
                if name in report.added + report.updated + report.unchanged:
                    upload_dir(home).mkdir(parents=True, exist_ok=True)
                    os.replace(staged, upload_dir(home) / name)
            return report
        finally:
            staged.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # the last file of its upload takes the folder with it
                staged.parent.rmdir()

    def remove(self, source: str) -> bool:
        """Drop an article, its records and its uploaded file (if any); False if it was not indexed."""
        return self.writer.run(f"remove {source}", lambda job: self._remove(source, keep=False)) is not None

    def remove_for_undo(self, source: str) -> Removed | None:
        """`remove`, keeping the removed version on the shelf; `undo(removed.version)` brings it back."""
        known = self.writer.run(f"remove {source}", lambda job: self._remove(source, keep=True))
        return versions.get(self.settings.home, versions.version_id(source, known.doc_hash)) if known else None

    def _remove(self, source: str, keep: bool) -> Article | None:
        """Remove `source` (shelving its version first if `keep`); the removed article, None if not indexed."""
        known = self.store.articles().get(source)
        if known is None:
            return None
        upload = uploaded_file(self.settings.home, source)
        if keep:
            versions.put(self.settings.home, source, known.title, known.doc_hash, known.meta,
                         self.store.article_text(source) or "", self._same_version(upload, known))
        with self._paired([source] if upload is not None else []):
            with self.lock:
                self.store.remove(source)
            if upload is not None:
                upload.unlink(missing_ok=True)
        return known

    def undo(self, version: str) -> IngestReport:
        """Index the removed version `version` again, exactly: refused (a failed report naming both
        versions) when the article was indexed again since in another version, unchanged if in this one."""
        return self.writer.run("undo", lambda job: self._undo(version, job))

    def _undo(self, version: str, job: Job) -> IngestReport:
        entry = versions.get(self.settings.home, version)
        if entry is None:
            return IngestReport(failed=[("", "That removal can no longer be undone (removed versions are kept "
                                             "a week).")])
        source, home = entry.source, self.settings.home
        current = self.store.articles().get(source)
        if current is not None and current.doc_hash == entry.doc_hash:
            return IngestReport(unchanged=[source])
        if current is not None or uploaded_file(home, source) is not None:
            return IngestReport(failed=[(source, newer_message(entry, current))])
        if not entry.uploaded:
            doc = with_meta(parse(entry.text(), source), {"title": entry.title, **entry.meta})
            return ingest_documents([doc], self.store, self.embedder, self.settings, job.progress, pacing=self.pacing)
        staged = staging_dir(home) / source
        staged.parent.mkdir(parents=True)
        shutil.copyfile(entry.upload, staged)
        return self._upload(staged, job)

    def heal(self) -> None:
        """Finish what a killed process left half done (an index change committed, its file not yet moved)
        before any other change; `serve` calls it at start, and the writer's first job does anyway."""
        self.writer.run("heal", lambda job: None)

    def _heal(self) -> None:
        for note in pending.left(self.settings.home):
            self._settle(note)
        for old in (self.settings.home / "cache").glob("bm25-*"):  # per-process BM25 snapshots of older versions
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _paired(self, sources: list[str], staged: Path | None = None) -> Iterator[None]:
        """An index change and the uploaded files it moves, as one: noted before (index/pending.py), and
        settled from the index at once if the block fails, or at the next start if the process dies."""
        with pending.noted(self.settings.home, sources, staged) as note:
            try:
                yield
            except BaseException:
                if note is not None:
                    with contextlib.suppress(Exception):  # best effort now; the next start settles it anyway
                        self._settle(note)
                raise

    def _settle(self, note: pending.Note) -> None:
        """Make the files agree with the index: a staged upload the index holds moves into place (else it
        goes); an uploaded file the index no longer holds in its version is shelved as a removed version."""
        home, indexed = self.settings.home, self.store.articles()
        staged = note.staged
        if staged is not None and staged.is_file():
            if self._same_version(staged, indexed.get(staged.name)):
                upload_dir(home).mkdir(parents=True, exist_ok=True)
                os.replace(staged, upload_dir(home) / staged.name)
            staged.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                staged.parent.rmdir()
        for source in note.sources:
            upload = uploaded_file(home, source)
            if upload is not None and not self._same_version(upload, indexed.get(source)):
                self._shelve(source, upload)
        pending.done(note)

    def _shelve(self, source: str, upload: Path) -> None:
        """Keep an uploaded file's own version on the shelf of removed versions, and take it out of uploads."""
        try:
            doc = load(upload, source, self.settings.max_file_bytes, self.settings.min_html_chars,
                       self.settings.min_html_share)
            versions.put(self.settings.home, source, doc.title, doc.doc_hash, doc.meta, doc.text, upload)
        except NewsragError:
            pass  # not an article we can read back: nothing to restore from it
        upload.unlink(missing_ok=True)

    def _same_version(self, upload: Path | None, known: Article | None) -> Path | None:
        """The uploaded file if it holds the indexed version (it should: they move together)."""
        if upload is None or known is None:
            return None
        try:
            doc = load(upload, known.source, self.settings.max_file_bytes, self.settings.min_html_chars,
                       self.settings.min_html_share)
        except NewsragError:
            return None
        return upload if doc.doc_hash == known.doc_hash else None

    def _retire_upload(self, source: str, old: Article | None) -> None:
        """After the command line indexed `source` anew: an uploaded file of that name is not what the
        index holds any more; shelve it as a removed version instead of leaving it to disagree."""
        upload = uploaded_file(self.settings.home, source)
        current = self.store.articles().get(source)
        if upload is None or current is None or self._same_version(upload, current):
            return
        if old is not None and self._same_version(upload, old):
            versions.put(self.settings.home, source, old.title, old.doc_hash, old.meta, upload.read_text(
                encoding="utf-8", errors="replace"), upload)
        upload.unlink(missing_ok=True)

    def articles(self) -> list[Article]:
        return list(self.store.articles().values())

    def article(self, source: str) -> tuple[str, str] | None:
        """(text, reading view) of an indexed article, for the source panel; None if not indexed."""
        text = self.store.article_text(source)
        return None if text is None else (text, reading_view(source, text))


def newer_message(entry: Removed, current: Article | None) -> str:
    """Why undo refused: another version of the same name is there now."""
    now = f"'{current.title}' (version {current.doc_hash[:8]})" if current else "an uploaded file of that name"
    return (f"{entry.source}: not restored: a newer version is indexed now, {now}; the removed one was "
            f"'{entry.title}' (version {entry.doc_hash[:8]}). Remove the newer version first to bring it back.")
