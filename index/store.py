"""Chroma storage for chunks, sentences and the article registry; embedded or server, same behaviour.

Write protocol (why a crash never leaves a visible half-written or duplicated index):
1. upsert the article's sentences and chunks (IDs derive from source, content hash and span, so a
   re-run rewrites the same records instead of adding new ones);
2. point the registry at the new content hash (the commit point: readers only trust chunks whose
   hash matches the registry);
3. delete the article's records with any other hash; bump the generation so readers reload.
Step 2 also writes the article to the lexical index (index/fulltext.py), right after the registry,
batch by batch: retrieval only shows chunks the lexical index holds, so an interrupted write leaves
nothing half-visible, and `sync` (run when a store opens) adds what such a write missed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlparse

import httpx
import numpy as np

from newsrag.index.analyze import Local, SentenceInfo, local_from_meta
from newsrag.index.chunk import Chunk
from newsrag.index.embed import EMBED_BACKENDS, same_vectors
from newsrag.index.fulltext import Entry, FullText
from newsrag.index.load import PIPELINE
from newsrag.index.terms import terms
from newsrag.errors import BackendError
from newsrag.settings import Settings

_STATE = "__state__"
_COSINE = {"hnsw": {"space": "cosine"}}  # distances = 1 - cosine similarity; converted in one place


_PAGE = 2000  # at most this many sentence records read per call when looking up known texts


def similarity(distance: float) -> float:
    """Chroma cosine distance -> cosine similarity (higher is closer)."""
    return 1.0 - float(distance)


def sentence_id(source: str, doc_hash: str, start: int, end: int) -> str:
    key = f"s\x00{source}\x00{doc_hash}\x00{start}\x00{end}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def article_id(source: str) -> str:
    return "a" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:23]


NEWS_FIELDS = ("outlet", "published", "url", "author")  # what an article states about itself; unknown = None


@dataclass(frozen=True)
class Article:
    source: str
    title: str
    doc_hash: str
    chunks: int
    outlet: str | None = None
    published: str | None = None  # ISO date
    url: str | None = None
    author: str | None = None

    @property
    def meta(self) -> dict:
        """The known news fields only (as a loaded Document's `meta`)."""
        return {k: getattr(self, k) for k in NEWS_FIELDS if getattr(self, k) is not None}


@dataclass(frozen=True)
class StoredArticle:
    """One article ready to store: its exact text, chunks, and the vectors computed for them."""

    source: str
    title: str
    doc_hash: str
    text: str
    chunks: list[Chunk]
    sentence_vectors: dict[tuple[int, int], np.ndarray]
    chunk_vectors: np.ndarray
    analysis: dict[tuple[int, int], SentenceInfo] = field(default_factory=dict)  # by sentence span
    meta: dict = field(default_factory=dict)  # outlet, published, url, author (index/meta.py)
    sentence_dates: dict[tuple[int, int], list] = field(default_factory=dict)  # index/dates.py


class _Rows:
    """Columns for one upsert; an ID seen twice is kept once (Chroma refuses a batch with duplicates)."""

    def __init__(self):
        self.ids, self.vecs, self.docs, self.metas = [], [], [], []
        self._seen: set[str] = set()

    def add(self, rid, vec, doc, meta) -> None:
        if rid in self._seen:
            return
        self._seen.add(rid)
        self.ids.append(rid)
        self.vecs.append(vec)
        self.docs.append(doc)
        self.metas.append(meta)

    def columns(self):
        return self.ids, self.vecs, self.docs, self.metas


def _sentence_rows(a: StoredArticle, rows: _Rows) -> None:
    sents = {(s.start, s.end): s for c in a.chunks for s in c.sentences}
    for (start, end), s in sorted(sents.items()):
        meta = {"source": a.source, "doc_hash": a.doc_hash, "start": start, "end": end,
                "quote": a.text[start:end], "text_hash": text_hash(s.text), "pipeline": PIPELINE}
        info = a.analysis.get((start, end))
        if info is not None:
            meta.update(info.meta(start))
        meta.update(filter_fields(a.meta))
        dates = a.sentence_dates.get((start, end))
        meta["dates"] = json.dumps(dates) if dates else None
        rows.add(sentence_id(a.source, a.doc_hash, start, end), a.sentence_vectors[(start, end)], s.text, meta)


def filter_fields(meta: dict) -> dict:
    """The record fields filters match on: outlet lowercased, published as YYYYMMDD (for range queries).

    Unknown ones are None, which Chroma's upsert turns into "no such key": a re-ingest that drops a
    value must not leave the old one behind (upsert merges metadata).
    """
    published = meta.get("published")
    return {"outlet": meta["outlet"].lower() if meta.get("outlet") else None,
            "published": int(published.replace("-", "")) if published else None}


def sentence_dates(meta: dict) -> list[tuple[int, int, str]]:
    """The resolved date expressions of a stored sentence as (start, end, iso), in article offsets."""
    return [tuple(x) for x in json.loads(meta.get("dates") or "[]")]


def disk_full(error: BaseException, folder: Path) -> bool:
    """Did a write into `folder` fail for want of space? ENOSPC anywhere in the chain of causes, or,
    as Chroma's errors may not say why, (almost) no space left there."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if any(words in str(seen).lower() for words in ("no space left", "disk is full", "os error 28")):
            return True
        seen = seen.__cause__ or seen.__context__
    try:
        return shutil.disk_usage(folder).free < 1_000_000
    except OSError:
        return False


@dataclass(frozen=True)
class Hit:
    """A stored record found by a vector query; `score` is cosine similarity."""

    id: str
    score: float
    text: str
    meta: dict


def connect(settings: Settings):
    """A Chroma client: a server at `settings.chroma_url`, else embedded under the data dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise BackendError(f"Chroma URL must look like http://HOST:PORT, got {settings.chroma_url!r}")
        server = Server(settings.chroma_url.rstrip("/"), settings.chroma_timeout)
        server.call(server.heartbeat)  # a hung server is found here, within the timeout
        try:
            client = server.call(chromadb.HttpClient, host=url.hostname, ssl=url.scheme == "https",
                                 port=url.port or (443 if url.scheme == "https" else 8000), settings=chroma_settings)
        except BackendError:
            raise
        except Exception as e:  # chromadb's own "could not connect", a tenant it cannot find...
            raise BackendError(f"cannot reach the Chroma server at {server.url} ({e})") from e
        # chromadb has no timeout setting: its httpx client waits forever (timeout=None) on a hung server
        client._server._session.timeout = httpx.Timeout(settings.chroma_timeout)
        client.newsrag_server = server
        return client
    return _embedded(settings, chroma_settings)


RESERVE_BYTES = 1_000_000


def _embedded(settings: Settings, chroma_settings):
    """Embedded Chroma in the data folder. Chroma writes to its database even to open it for reading
    (measured: a journal page, `database or disk is full` on a full disk), so the data folder keeps a
    `reserve` file of 1 MB that is given up when a full disk stops Chroma from opening: asking keeps
    working. It is written again once there is room."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    reserve = settings.home / "reserve"
    try:
        client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as e:
        if not disk_full(e, settings.home):
            raise
        if not reserve.is_file():
            raise BackendError(f"no space left in {settings.home}: free some space there") from e
        reserve.unlink()
        SharedSystemClient.clear_system_cache()  # the failed start stays cached otherwise
        client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    _keep(reserve)
    return client


def _keep(reserve: Path) -> None:
    """Write the reserve file if it is missing and there is room (zeros, really allocated)."""
    if reserve.is_file():
        return
    tmp = reserve.with_name(f"{reserve.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(bytes(RESERVE_BYTES))
        os.replace(tmp, reserve)
    except OSError:
        tmp.unlink(missing_ok=True)


def server_url(client) -> str | None:
    """http(s)://HOST:PORT of a Chroma server client; None for an embedded one."""
    s = client.get_settings()
    if not s.chroma_server_host:
        return None
    return f"{'https' if s.chroma_server_ssl_enabled else 'http'}://{s.chroma_server_host}:{s.chroma_server_http_port}"


class Server:
    """Calls to one Chroma server, each turned into a one-line `BackendError` when the server is not there.

    Every request is bounded by `timeout` seconds. After a timeout, calls fail at once for the next
    `timeout` seconds: requests queued behind a hung server (the App lock serialises retrieval) are
    freed too, instead of each waiting its own turn; then the next call tries the server again.
    """

    def __init__(self, url: str, timeout: float = Settings.chroma_timeout):
        self.url, self.timeout = url, timeout
        self._down_until = 0.0

    def heartbeat(self) -> None:
        httpx.get(f"{self.url}/api/v2/heartbeat", timeout=self.timeout).raise_for_status()

    def call(self, fn, *args, **kwargs):
        if time.monotonic() < self._down_until:
            raise BackendError(self._silent())
        try:
            return fn(*args, **kwargs)
        except httpx.TimeoutException as e:
            self._down_until = time.monotonic() + self.timeout
            raise BackendError(self._silent()) from e
        except (httpx.TransportError, httpx.HTTPStatusError) as e:  # refused, reset: the server is not there
            raise BackendError(f"cannot reach the Chroma server at {self.url} ({e})") from e

    def _silent(self) -> str:
        return (f"cannot reach the Chroma server at {self.url}: no answer within {self.timeout:g} s "
                f"(NEWSRAG_CHROMA_TIMEOUT); is it stopped or overloaded?")


class _Reachable:
    """A Chroma collection whose every call goes through `Server.call` (bounded, one-line errors)."""

    def __init__(self, collection, server: Server):
        self._collection, self._server = collection, server

    def __getattr__(self, name):
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr
        return lambda *args, **kwargs: self._server.call(attr, *args, **kwargs)


class ChromaStore:
    """Chunks, sentences and the article registry in three Chroma collections."""

    def __init__(self, client, prefix: str = "news", embed_backend: str = Settings.embed_backend,
                 lexical_dir: Path | None = None):
        self.client = client
        self.prefix = prefix
        url = server_url(client)
        server = getattr(client, "newsrag_server", None) or (Server(url) if url else None)
        call = server.call if server else (lambda fn, *a, **kw: fn(*a, **kw))

        def get(name: str):
            col = call(client.get_or_create_collection, f"{prefix}_{name}", configuration=_COSINE,
                       embedding_function=None)
            return _Reachable(col, server) if server else col

        self.chunks = get("chunks")
        self.sentences = get("sentences")
        self.registry = get("articles")
        persist = None if server else client.get_settings().persist_directory
        self.folder = Path(persist).parent if persist else None  # the data folder of an embedded index
        # a server gets smaller writes: each request must finish within the timeout
        self.batch = min(1000 if server else 5000, call(client.get_max_batch_size))
        self.embed_backend = self._claim(embed_backend)
        folder = lexical_dir or (self.folder / "lexical" if self.folder else Path(tempfile.gettempdir()) / "newsrag-lexical")
        self.lexical = FullText(Path(folder) / f"{prefix}-{self.identity}.sqlite")
        self.sync()

    @classmethod
    def open(cls, settings: Settings) -> "ChromaStore":
        return cls(connect(settings), settings.collection, settings.embed_backend, settings.lexical_path)

    def sync(self) -> int:
        """Bring the lexical index level with the registry (a new index file, an interrupted write)."""
        committed = {a.source: a.doc_hash for a in self.articles().values()}
        return self.lexical.sync(committed, self._entries, lambda s: self.article_meta([s]).get(s))

    def _claim(self, backend: str) -> str:
        """Different vectors must never meet in one index: stamp the backend, then check (index/embed.py
        `same_vectors`: "torch" and "onnx-fp32" compute the same).

        The backend is stored in the chunks collection's metadata when the index is new; an index
        made before the stamp existed holds PyTorch vectors.
        """
        if backend not in EMBED_BACKENDS:
            raise BackendError(f"unknown embedding backend {backend!r} (available: {', '.join(EMBED_BACKENDS)})")
        stored = (self.chunks.metadata or {}).get("embed_backend")
        if stored != backend and self.chunks.count() == 0:  # nothing stored yet: no vectors to mismatch
            self.chunks.modify(metadata={"embed_backend": backend})
            stored = backend
        self.require(backend, stored or "torch")
        return backend

    def require(self, backend: str, stored: str | None = None) -> None:
        """Raise a one-line error unless this index was built by a backend computing `backend`'s vectors."""
        stored = stored or self.embed_backend
        if not same_vectors(backend, stored):
            raise BackendError(f"the index '{self.prefix}' was built with the {stored} embedding backend, not "
                               f"{backend}: set NEWSRAG_EMBED_BACKEND={stored} or use a new NEWSRAG_HOME/collection")

    @property
    def identity(self) -> str:
        """A short name for where this store lives (which server or folder), for local caches."""
        return self.registry.id.hex[:12]

    # -- writing ---------------------------------------------------------------------------------
    def write(self, articles: list[StoredArticle], replacing: set[str] = frozenset()) -> None:
        """Store a batch of articles' records, then commit them in the registry (see module doc).

        One upsert per collection for the whole batch (not per chunk); `replacing` names the sources
        that had an older version, whose stale records are deleted after the commit.
        """
        self.stage(articles)
        self.commit(articles, replacing)

    def stage(self, articles: list[StoredArticle], pause: Callable[[], None] | None = None) -> None:
        """Step 1 of the protocol: upsert the records. Readers ignore them until `commit`, so this
        (the long part of a large ingest) may run while questions are answered; given `pause`, it
        upserts 1,000 rows at a time and calls it before each."""
        articles = [a for a in articles if a.chunks]
        if not articles:
            return
        with self._writing():
            self._stage(articles, pause)

    def _stage(self, articles: list[StoredArticle], pause: Callable[[], None] | None) -> None:
        s_rows, c_rows = _Rows(), _Rows()
        for a in articles:
            _sentence_rows(a, s_rows)
            for c, v in zip(a.chunks, a.chunk_vectors):
                c_rows.add(c.id, v, c.text, {**_chunk_meta(c), **filter_fields(a.meta)})
        self._upsert(self.sentences, *s_rows.columns(), pause=pause)
        self._upsert(self.chunks, *c_rows.columns(), pause=pause)

    def commit(self, articles: list[StoredArticle], replacing: set[str] = frozenset()) -> None:
        """Steps 2 and 3: point the registry at the staged records, delete the replaced ones, bump."""
        articles = [a for a in articles if a.chunks]
        if not articles:
            return
        with self._writing():
            self._commit(articles, replacing)

    def _commit(self, articles: list[StoredArticle], replacing: set[str]) -> None:
        for i in range(0, len(articles), 100):  # the commit point
            part = articles[i:i + 100]
            self.registry.upsert(
                ids=[article_id(a.source) for a in part], embeddings=[[1.0]] * len(part),
                documents=[a.text for a in part],
                metadatas=[{"source": a.source, "title": a.title, "doc_hash": a.doc_hash, "chunks": len(a.chunks),
                            **{k: a.meta.get(k) for k in NEWS_FIELDS}} for a in part],
            )
            self.lexical.put(_entry(a.source, a.doc_hash, a.text, a.meta,
                                    [(c.id, c.text, {**_chunk_meta(c), **filter_fields(a.meta)}) for c in a.chunks])
                             for a in part)
        for a in articles:
            if a.source in replacing:
                self._delete_stale(a.source, a.doc_hash)
        self._bump()

    def drop_stale(self, source: str, keep_hash: str | None) -> None:
        """Delete records of `source` whose content hash is not `keep_hash` (all if None)."""
        with self._writing():
            self._delete_stale(source, keep_hash)
            self._bump()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write that fails for want of disk space says so in one line (Chroma's own message may be
        `InternalError: Error in compaction`); the protocol above keeps what was committed intact."""
        try:
            yield
        except BackendError:
            raise
        except Exception as e:
            if self.folder is None or not disk_full(e, self.folder):
                raise
            raise BackendError(f"no space left in {self.folder}: free some space there, then do this again "
                               f"(nothing half-written is shown; asking still works)") from e

    def _delete_stale(self, source: str, keep_hash: str | None) -> None:
        where = {"source": source} if keep_hash is None else {
            "$and": [{"source": source}, {"doc_hash": {"$ne": keep_hash}}]
        }
        self.chunks.delete(where=where)
        self.sentences.delete(where=where)

    def remove(self, source: str) -> bool:
        """Drop an article and all its records; False if it was not indexed."""
        known = source in self.articles()
        with self._writing():
            self.registry.delete(ids=[article_id(source)])  # uncommit first: readers stop trusting it
            self.lexical.drop([source])
        self.drop_stale(source, None)
        return known

    def _upsert(self, collection, ids, vecs, docs, metas, pause: Callable[[], None] | None = None) -> None:
        step = min(1000, self.batch) if pause else self.batch
        for i in range(0, len(ids), step):
            j = i + step
            if pause:
                pause()
            collection.upsert(ids=ids[i:j], embeddings=np.asarray(vecs[i:j], dtype=np.float32),
                              documents=docs[i:j], metadatas=metas[i:j])

    def _bump(self) -> None:
        self.registry.upsert(ids=[_STATE], embeddings=[[1.0]], documents=[""],
                             metadatas=[{"generation": time.time_ns()}])

    # -- reading ---------------------------------------------------------------------------------
    def generation(self) -> int:
        got = self.registry.get(ids=[_STATE], include=["metadatas"])
        return int(got["metadatas"][0]["generation"]) if got["ids"] else 0

    def articles(self) -> dict[str, Article]:
        """The committed articles, by source."""
        got = self.registry.get(include=["metadatas"])
        out = {}
        for rid, m in zip(got["ids"], got["metadatas"]):
            if rid != _STATE:
                out[m["source"]] = _article(m)
        return dict(sorted(out.items()))

    def article_meta(self, sources: Iterable[str]) -> dict[str, Article]:
        """The committed registry entries of a few articles (e.g. the cited ones), by source."""
        ids = [article_id(s) for s in dict.fromkeys(sources)]
        got = self.registry.get(ids=ids, include=["metadatas"]) if ids else {"metadatas": []}
        return {m["source"]: _article(m) for m in got["metadatas"]}

    def has_stale(self, source: str, doc_hash: str) -> bool:
        """True if records of `source` with another content hash survive (an interrupted write)."""
        where = {"$and": [{"source": source}, {"doc_hash": {"$ne": doc_hash}}]}
        return bool(self.chunks.get(where=where, limit=1, include=[])["ids"] or
                    self.sentences.get(where=where, limit=1, include=[])["ids"])

    def analysed(self, source: str, doc_hash: str) -> bool:
        """False if this article's sentences were stored before language analysis existed (re-ingest
        then adds it, reusing the stored vectors)."""
        got = self.sentences.get(where={"$and": [{"source": source}, {"doc_hash": doc_hash}]}, limit=1,
                                 include=["metadatas"])
        return not got["ids"] or local_from_meta(got["metadatas"][0]) is not None

    def article_text(self, source: str) -> str | None:
        """The original text of an indexed article (every citation offset refers to it)."""
        got = self.registry.get(ids=[article_id(source)], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def mentions(self, word: str) -> bool:
        """True if any indexed article's original text contains `word` (case-sensitive), even in a
        heading or byline that chunking left out (answered by the lexical index)."""
        return self.lexical.mentions(word)

    def _entries(self, sources: list[str]) -> list[Entry]:
        """Committed articles read back from Chroma, for the lexical index (see `sync`)."""
        got = self.registry.get(ids=[article_id(s) for s in sources], include=["documents", "metadatas"])
        out = []
        for text, m in zip(got["documents"], got["metadatas"]):
            rows = self.chunks.get(where={"$and": [{"source": m["source"]}, {"doc_hash": m["doc_hash"]}]},
                                   include=["documents", "metadatas"])
            chunks = sorted(zip(rows["ids"], rows["documents"], rows["metadatas"]), key=lambda r: r[2]["position"])
            out.append(_entry(m["source"], m["doc_hash"], text, m, chunks))
        return out

    def iter_chunks(self, page: int = 5000) -> Iterator[tuple[str, str, dict]]:
        """Every stored chunk as (id, text, metadata), paged so memory stays bounded."""
        offset = 0
        while True:
            got = self.chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            yield from ((i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"]) if m is not None)
            offset += len(got["ids"])

    def query(self, collection: str, vector: np.ndarray, n: int, where: dict | None = None) -> list[Hit]:
        """The `n` nearest records, only among those matching `where` (a Chroma filter) if given."""
        col = {"chunks": self.chunks, "sentences": self.sentences}[collection]
        # No count() first: Chroma returns fewer than `n` (none from an empty collection) by itself, and a
        # count costs more than the query on a large index (12 ms for 155k chunks, 35 ms for their sentences)
        got = col.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n,
                        where=where or None, include=["documents", "metadatas", "distances"])
        if not got["ids"] or not got["ids"][0]:
            return []
        # A row deleted by another process can still be found by a vector index loaded earlier: its
        # document and metadata come back as None. Skip it; the reader must never fail on it.
        return [Hit(i, similarity(d), t, m) for i, d, t, m in
                zip(got["ids"][0], got["distances"][0], got["documents"][0], got["metadatas"][0])
                if m is not None and t is not None]

    def get_chunks(self, ids: Iterable[str]) -> dict[str, tuple[str, dict]]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        got = self.chunks.get(ids=ids, include=["documents", "metadatas"])
        return {i: (t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"]) if m is not None}

    def known_sentences(self, texts: list[str]) -> tuple[dict[str, np.ndarray], dict[str, Local]]:
        """What is already stored for any of these sentence texts, so an edit re-encodes and re-analyses
        only what changed: vectors by normalised text, analyses by exact quote.

        Memory and reads stay bounded by the batch, not by how often the index repeats a text (wire copy,
        a digest of the same paragraphs): metadata is read in pages until every text has one record with
        a current analysis, then only those records' vectors are fetched."""
        by_hash = {text_hash(t): t for t in texts}
        picked: dict[str, str] = {}  # text hash -> the record whose vector is reused
        analyses: dict[str, Local] = {}
        hashes = list(by_hash)
        for i in range(0, len(hashes), 500):
            part, current = hashes[i:i + 500], set()
            page = min(_PAGE, max(100, 4 * len(part)))  # most texts are new or stored a few times
            for offset in range(0, 1 << 62, page):
                got = self.sentences.get(where={"text_hash": {"$in": part}}, include=["metadatas"],
                                         limit=page, offset=offset)
                for rid, m in zip(got["ids"], got["metadatas"]):
                    local = local_from_meta(m) if m.get("pipeline") == PIPELINE else None  # older analyses are redone
                    if local is not None:
                        analyses.setdefault(m["quote"], local)
                    if m["text_hash"] not in current:
                        picked[m["text_hash"]] = rid
                        if local is not None:
                            current.add(m["text_hash"])
                if len(got["ids"]) < page or len(current) == len(part):
                    break
        vectors: dict[str, np.ndarray] = {}
        ids = list(picked.values())
        for i in range(0, len(ids), 500):
            got = self.sentences.get(ids=ids[i:i + 500], include=["embeddings", "metadatas"])
            for v, m in zip(got["embeddings"], got["metadatas"]):
                if m is not None and v is not None:
                    vectors[by_hash[m["text_hash"]]] = np.asarray(v, dtype=np.float32)
        return vectors, analyses

    def get_sentences(self, ids: Iterable[str]) -> dict[str, tuple[np.ndarray, str, dict]]:
        """Sentence (vector, normalised text, metadata) by ID; metadata `quote` is the exact span."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        got = self.sentences.get(ids=ids, include=["embeddings", "documents", "metadatas"])
        return {i: (np.asarray(v, dtype=np.float32), t, m)
                for i, v, t, m in zip(got["ids"], got["embeddings"], got["documents"], got["metadatas"])
                if m is not None and v is not None}

    def counts(self) -> dict[str, int]:
        return {"chunks": self.chunks.count(), "sentences": self.sentences.count(),
                "articles": len(self.articles())}


def _article(m: dict) -> Article:
    return Article(m["source"], m["title"], m["doc_hash"], int(m["chunks"]), *(m.get(k) for k in NEWS_FIELDS))


def _entry(source: str, doc_hash: str, text: str, meta: dict, chunks: list[tuple[str, str, dict]]) -> Entry:
    """An article for the lexical index; each chunk is indexed by the terms of its title and text."""
    fields = {k: v for k, v in filter_fields(meta).items() if v is not None}
    return Entry(source, doc_hash, text, fields,
                 [(cid, terms(f"{m['title']} {t}"), t, {k: v for k, v in m.items() if v is not None})
                  for cid, t, m in chunks])


def _chunk_meta(c: Chunk) -> dict:
    return {
        "source": c.source, "title": c.title, "doc_hash": c.doc_hash, "position": c.position,
        "start": c.start, "end": c.end,
        "sentences": json.dumps([[s.start, s.end] for s in c.sentences]),
    }


def chunk_sentences(meta: dict) -> list[tuple[int, int]]:
    return [tuple(x) for x in json.loads(meta["sentences"])]
