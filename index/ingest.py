"""Ingest files: load -> clean -> chunk -> embed -> store, one bad file never stopping the others."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from newsrag.index.analyze import analyze_articles
from newsrag.index.chunk import Chunk, chunk
from newsrag.index.clean import clean
from newsrag.index.embed import Embedder
from newsrag.index import dates
from newsrag.index.load import SUPPORTED, Document, has_control, load, printable, with_meta
from newsrag.index.meta import SIDECARS, read_sidecar, sidecar_for
from newsrag.index.pacing import Pacing
from newsrag.index.store import ChromaStore, StoredArticle
from newsrag.errors import InputError
from newsrag.settings import Settings

Progress = Callable[[int, int], None]  # (sentences embedded so far, total in this batch)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # not article files, in a folder
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (file:line, reason), e.g. a bad sidecar row
    chunks: int = 0

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.failed)} failed, {len(self.skipped)} skipped; {self.chunks} chunks written")


@dataclass
class Found:
    """What `discover` found: files to ingest as (path, source name), and what it passed over."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # folder entries that are not articles
    failed: list[tuple[str, str]] = field(default_factory=list)  # paths given or found that cannot be used


def discover(paths: Iterable[Path]) -> Found:
    """Files to ingest, each named by its file name (given directly) or its path relative to its folder.

    Never fatal: a missing path, a symlink leading outside its folder, a name with control characters
    or a second file with a name already taken in this run is reported and the rest go ahead.
    """
    found, taken = Found(), {}
    for root in map(Path, paths):
        if not root.exists():
            found.failed.append((printable(str(root)), f"{printable(str(root))}: no such file or folder"))
        elif root.is_file():
            _take(found, taken, root, root.name)
        else:
            _walk(found, taken, root)
    return found


def _walk(found: Found, taken: dict[str, Path], root: Path) -> None:
    real_root = root.resolve()
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or rel.as_posix() in SIDECARS:
            continue
        name = printable(rel.as_posix())
        if not p.resolve().is_relative_to(real_root):  # a symlink must not pull in files from elsewhere
            found.skipped.append((name, "a symbolic link to outside the ingested folder"))
        elif p.is_file() and p.suffix.lower() in SUPPORTED:
            _take(found, taken, p, rel.as_posix())
        elif p.is_file():
            found.skipped.append((name, f"unsupported file type '{printable(p.suffix) or '(none)'}'"))


def _take(found: Found, taken: dict[str, Path], path: Path, source: str) -> None:
    """Accept `path` as `source` unless its name is unprintable or already used in this run."""
    name = printable(source)
    if has_control(source):
        found.failed.append((name, f"{name}: file name contains control characters; rename the file"))
    elif source in taken:
        first = printable(str(taken[source]))
        found.failed.append((name, f"{printable(str(path))}: not indexed, {first} in this ingest has the same "
                                   f"name '{name}'; rename one of them"))
    else:
        taken[source] = path
        found.files.append((path, source))


def ingest(paths: Iterable[Path], store: ChromaStore, embedder: Embedder, settings: Settings,
           progress: Progress | None = None, pacing: Pacing = Pacing()) -> IngestReport:
    """Index every article under `paths`; failures are reported, never fatal to the others."""
    paths = [Path(p) for p in paths]
    found = discover(paths)
    report = IngestReport(skipped=found.skipped, failed=found.failed)
    sidecar = _sidecars(paths, found.files, report)

    def loaded() -> Iterator[Document]:  # lazily, so a big folder is never all in memory
        for path, source in found.files:
            try:
                doc = load(path, source, settings.max_file_bytes, settings.min_html_chars, settings.min_html_share)
            except InputError as e:
                report.failed.append((source, str(e)))
                continue
            yield with_meta(doc, sidecar_for(sidecar.get(path, {}), source))

    return ingest_documents(loaded(), store, embedder, settings, progress, report, pacing)


def _sidecars(roots: list[Path], files: list[tuple[Path, str]], report: IngestReport) -> dict[Path, dict]:
    """Each ingested file's folder sidecar rows (articles.csv / .jsonl); bad or unmatched rows become warnings."""
    out: dict[Path, dict] = {}
    for root in roots:
        if not root.is_dir():
            continue
        rows, problems = read_sidecar(root)
        report.warnings.extend(problems)
        mine = [(p, s) for p, s in files if root in p.parents]
        known = {s for _, s in mine} | {Path(s).name for _, s in mine}
        report.warnings.extend((where, f"no article file named {name!r} in the folder")
                               for name, (where, _) in rows.items() if name not in known)
        out.update((p, rows) for p, _ in mine)
    return out


def ingest_documents(docs: Iterable[Document], store: ChromaStore, embedder: Embedder, settings: Settings,
                     progress: Progress | None = None, report: IngestReport | None = None,
                     pacing: Pacing = Pacing()) -> IngestReport:
    """Clean, chunk, embed and store loaded documents (from files or `load.from_text`); unchanged ones are skipped."""
    store.require(embedder.backend)  # one index, one embedding backend
    report = report or IngestReport()
    known = store.articles()
    pending: list[Document] = []
    seen: set[str] = set()
    for doc in docs:
        doc = clean(doc)
        source = doc.source
        if source in seen:  # one source twice in a batch would collide on record IDs: refuse the second
            report.failed.append((printable(source), f"{printable(source)}: given twice in this ingest"))
            continue
        seen.add(source)
        old = known.get(source)
        if (old is not None and old.doc_hash == doc.doc_hash and (old.title, old.meta) == (doc.title, doc.meta)
                and store.analysed(source, doc.doc_hash)):
            if store.has_stale(source, doc.doc_hash):  # left over by an interrupted run
                with pacing.commit():
                    store.drop_stale(source, doc.doc_hash)
            report.unchanged.append(source)
            continue
        (report.updated if old else report.added).append(source)  # new, edited, or stored before analysis
        pending.append(doc)
        if len(pending) >= settings.ingest_batch_docs:
            report.chunks += _write_batch(pending, store, embedder, settings, progress, report, pacing)
            pending = []
    report.chunks += _write_batch(pending, store, embedder, settings, progress, report, pacing)
    return report


def _write_batch(docs: list[Document], store: ChromaStore, embedder: Embedder, settings: Settings,
                 progress: Progress | None, report: IngestReport, pacing: Pacing) -> int:
    chunked: list[tuple[Document, list[Chunk]]] = []
    for doc in docs:
        chunks = chunk(doc, settings.chunk_chars, settings.chunk_overlap_sentences, pacing.pause)
        if not chunks:
            _fail(report, doc.source, f"{doc.source}: no sentences found after removing page debris")
            continue
        chunked.append((doc, chunks))
    texts = list(dict.fromkeys(s.text for _, cs in chunked for c in cs for s in c.sentences))
    by_text, analysed = store.known_sentences(texts)
    spans = [sorted({(s.start, s.end) for c in chunks for s in c.sentences}) for _, chunks in chunked]
    reuse = {doc.view[s:e]: analysed[doc.text[s:e]] for (doc, _), sp in zip(chunked, spans)
             for s, e in sp if doc.text[s:e] in analysed}  # an unchanged sentence is not analysed again
    with ThreadPoolExecutor(1) as worker:  # spaCy runs while the embedder encodes: both release the GIL
        analysis = worker.submit(analyze_articles, [(doc.view, sp) for (doc, _), sp in zip(chunked, spans)], reuse,
                                 pacing)
        missing = [t for t in texts if t not in by_text]
        by_text.update(zip(missing, _encode(missing, embedder, progress, pacing)))
        infos = analysis.result()
    batch = []
    for (doc, chunks), sp, info in zip(chunked, spans, infos):
        sent_vecs = {(s.start, s.end): by_text[s.text] for c in chunks for s in c.sentences}
        chunk_vecs = np.stack([_mean([by_text[s.text] for s in c.sentences]) for c in chunks])
        by_span = dict(zip(sp, info))
        sent_dates = dates.resolve(doc.view, _date_ents(by_span), doc.meta.get("published"))
        batch.append(StoredArticle(doc.source, doc.title, doc.doc_hash, doc.text, chunks, sent_vecs, chunk_vecs,
                                   by_span, doc.meta, sent_dates))
    store.stage(batch, pacing.pause)  # invisible to readers until the commit
    with pacing.commit():
        store.commit(batch, replacing=set(report.updated))
    return sum(len(a.chunks) for a in batch)


def _date_ents(analysis: dict) -> dict[tuple[int, int], list[tuple[int, int, bool]]]:
    """The spaCy DATE entities found by the analysis, per sentence span (article offsets), each with
    whether its clause looks ahead (index/tense.py)."""
    return {span: [(s, e, (s, e) in info.ahead) for label, s, e in info.ents if label == "DATE"]
            for span, info in analysis.items()}


def _encode(texts: list[str], embedder: Embedder, progress: Progress | None, pacing: Pacing = Pacing()) -> np.ndarray:
    """Encode in slices for the progress bar (pausing before each); longest first across the whole
    batch, so every model batch holds texts of similar length and padding stays as low as in one big call."""
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    done = 0
    while done < len(order):
        pacing.pause()
        idx = order[done:done + (pacing.slice() or embedder.batch_size)]
        out[idx] = embedder.encode([texts[j] for j in idx])
        done += len(idx)
        if progress:
            progress(done, len(texts))
    return out


def _mean(vectors: list[np.ndarray]) -> np.ndarray:
    v = np.mean(vectors, axis=0)
    return v / (np.linalg.norm(v) or 1.0)


def _fail(report: IngestReport, source: str, message: str) -> None:
    for bucket in (report.added, report.updated):
        if source in bucket:
            bucket.remove(source)
    report.failed.append((source, message))
