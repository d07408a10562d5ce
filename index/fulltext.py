"""The lexical index: committed chunks in one SQLite file (FTS5), shared by every process on the machine.

Written by `ChromaStore` right after each registry commit, one article at a time (adding an article
costs the size of the article), in one SQLite transaction per batch: readers see a batch whole or not
at all, at their next query, with no rebuild. Nothing is held in memory: the chunk texts, metadata
and term counts are read on demand. WAL mode lets readers and several writer processes share it.

Chunks are indexed as their pre-tokenised terms (`terms()` of title and text, joined by spaces), so
FTS5's BM25 ranks the same terms the rest of the pipeline weighs. Article texts are indexed too
(`mentions`: a word in a heading or byline that chunking left out).
"""

from __future__ import annotations

import json
import sqlite3
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

_WORD = re.compile(r"\w+", re.U)
BUDGET = 4000  # postings a query scores at most, whatever the index size (see `search`)
VERSION = 2  # bump when the schema or `terms()` changes: an older file is rebuilt from Chroma
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles(rowid INTEGER PRIMARY KEY, source TEXT UNIQUE NOT NULL,
    doc_hash TEXT NOT NULL, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, source TEXT NOT NULL,
    text TEXT NOT NULL, meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE TABLE IF NOT EXISTS sentences(source TEXT NOT NULL, doc_hash TEXT NOT NULL, start INTEGER NOT NULL,
    chunk INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sentences_key ON sentences(source, doc_hash, start);
CREATE INDEX IF NOT EXISTS sentences_chunk ON sentences(chunk);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(terms, tokenize="ascii tokenchars '_'");
CREATE TABLE IF NOT EXISTS df(term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(text);
"""


@dataclass(frozen=True)
class Entry:
    """One committed article as the lexical index keeps it; `chunks` are (id, terms, text, metadata)."""

    source: str
    doc_hash: str
    text: str
    meta: dict  # the filter fields (outlet, published) an article is matched on
    chunks: list[tuple[str, list[str], str, dict]]


class FullText:
    """The SQLite FTS5 file at `path`; one connection per thread."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        try:
            self._create()
        except sqlite3.DatabaseError as e:  # not an SQLite file (truncated, overwritten): rebuilt from Chroma
            if isinstance(e, sqlite3.OperationalError):
                raise  # the file is fine, the disk or a lock is not: never delete it for that
            self._local = threading.local()
            for p in self.path.parent.glob(f"{self.path.name}*"):
                p.unlink(missing_ok=True)
            self._create()

    def _create(self) -> None:
        if self._version() == VERSION:
            return  # nothing to write: a full disk still answers from the file
        self.db.executescript(_SCHEMA)  # IF NOT EXISTS: concurrent creators agree
        with self._write() as db:
            version = db.execute("SELECT value FROM state WHERE key='version'").fetchone()
            if version is None or version[0] != VERSION:
                self._clear(db)
                db.execute("INSERT OR REPLACE INTO state VALUES('version', ?)", (VERSION,))

    def _version(self) -> int | None:
        try:
            row = self.db.execute("SELECT value FROM state WHERE key='version'").fetchone()
        except sqlite3.OperationalError as e:
            if "no such table" in str(e):
                return None
            raise
        return row[0] if row else None

    @property
    def db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.OperationalError as e:
                if "locked" in str(e) or not self.path.exists():
                    raise
                # No room for WAL's shared-memory file (a full disk): read the file as it stands (nothing can be
                # written on a full disk anyway); a write then fails with the store's one-line message.
                db.close()
                db = sqlite3.connect(f"{self.path.resolve().as_uri()}?immutable=1", uri=True, timeout=60,
                                     isolation_level=None, check_same_thread=False)
            self._local.db = db
        return db

    def _write(self):
        return _Transaction(self.db)

    # -- writing ---------------------------------------------------------------------------------
    def put(self, entries: Iterable[Entry]) -> None:
        """Add or replace articles (one transaction): their old chunks go, the new ones come."""
        with self._write() as db:
            self._put(db, entries)

    def _put(self, db: sqlite3.Connection, entries: Iterable[Entry]) -> None:
        for e in entries:
            self._drop(db, e.source)
            cur = db.execute("INSERT INTO articles(source, doc_hash, meta) VALUES(?,?,?)",
                             (e.source, e.doc_hash, json.dumps(e.meta)))
            db.execute("INSERT INTO words(rowid, text) VALUES(?,?)", (cur.lastrowid, e.text))
            for cid, toks, text, meta in e.chunks:
                cur = db.execute("INSERT INTO chunks(id, source, text, meta) VALUES(?,?,?,?)",
                                 (cid, e.source, text, json.dumps(meta)))
                row = cur.lastrowid
                db.execute("INSERT INTO fts(rowid, terms) VALUES(?,?)", (row, " ".join(toks)))
                _count(db, set(toks), 1)
                db.executemany("INSERT INTO sentences VALUES(?,?,?,?)",
                               [(e.source, e.doc_hash, s, row) for s, _ in json.loads(meta["sentences"])])
            _add(db, "chunks", len(e.chunks))
        _touch(db)

    def drop(self, sources: Iterable[str]) -> None:
        with self._write() as db:
            for source in sources:
                self._drop(db, source)
            _touch(db)

    def _drop(self, db: sqlite3.Connection, source: str) -> None:
        got = db.execute("SELECT rowid FROM articles WHERE source=?", (source,)).fetchone()
        if got is None:
            return
        rows = [r for r, in db.execute("SELECT rowid FROM chunks WHERE source=?", (source,))]
        db.execute("DELETE FROM words WHERE rowid=?", got)
        db.execute("DELETE FROM articles WHERE rowid=?", got)
        for r in rows:
            toks = db.execute("SELECT terms FROM fts WHERE rowid=?", (r,)).fetchone()
            _count(db, set(toks[0].split()) if toks else (), -1)
            db.execute("DELETE FROM fts WHERE rowid=?", (r,))
            db.execute("DELETE FROM sentences WHERE chunk=?", (r,))
        db.execute("DELETE FROM chunks WHERE source=?", (source,))
        _add(db, "chunks", -len(rows))

    @staticmethod
    def _clear(db: sqlite3.Connection) -> None:
        for table in ("articles", "chunks", "sentences", "fts", "words", "df"):
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM state")

    def sync(self, committed: dict[str, str], fetch: Callable[[list[str]], list[Entry]],
             current: Callable[[str], str | None]) -> int:
        """Make the index hold exactly the `committed` articles (source -> content hash): what an
        interrupted write or a new file missed. `fetch` reads articles back from Chroma; `current`
        re-reads one registry entry, so a writer racing with us always wins. Returns the changes."""
        have = self.hashes()
        missing = [s for s, h in committed.items() if have.get(s) != h]
        extra = [s for s in have if s not in committed]
        for i in range(0, len(missing), 100):
            with self._write() as db:  # read back under the write lock: a concurrent commit waits for us
                self._put(db, fetch(missing[i:i + 100]))
        if not extra:
            return len(missing)
        with self._write() as db:
            gone = [s for s in extra if current(s) is None]
            for source in gone:
                self._drop(db, source)
            if gone:
                _touch(db)
        return len(missing) + len(gone)

    # -- reading ---------------------------------------------------------------------------------
    def generation(self) -> int:
        return _state(self.db, "generation")

    def size(self) -> int:
        return _state(self.db, "chunks")

    def hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT source, doc_hash FROM articles"))

    def articles(self) -> list[dict]:
        """Each article's source and filter fields."""
        return [{"source": s, **json.loads(m)} for s, m in self.db.execute("SELECT source, meta FROM articles")]

    def frequency(self, term: str) -> int:
        """How many chunks hold `term`."""
        got = self.db.execute("SELECT n FROM df WHERE term=?", (term,)).fetchone()
        return got[0] if got else 0

    def search(self, query_terms: list[str], limit: int, budget: int = BUDGET) -> list[tuple[str, float]]:
        """The `limit` best chunks by FTS5's BM25 (k1 1.2, b 0.75), as (id, score), best first.

        Top-k pruned: only chunks holding one of the query's rarest terms (together in at most
        `budget` chunks) are candidates, so a question scores a bounded number of chunks however big
        the index. Their scores are exact: the common terms still count, matched in a second clause
        (FTS5 skips through their long lists instead of scoring every chunk that holds them).
        """
        df = {t: self.frequency(t) for t in dict.fromkeys(query_terms)}
        ordered = sorted((t for t in df if df[t]), key=df.get)
        rare, total = [], 0
        for t in ordered:
            if rare and total + df[t] > budget:
                break
            rare.append(t)
            total += df[t]
        if not rare:
            return []
        common = _any(ordered[len(rare):])
        clauses = [f"({_any(rare)}) AND ({common})", f"({_any(rare)}) NOT ({common})"] if common else [_any(rare)]
        sql = ("SELECT c.id, -f.rank FROM (SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?) f "
               "JOIN chunks c ON c.rowid = f.rowid")
        hits = [(cid, float(s)) for q in clauses for cid, s in self.db.execute(sql, (q, limit))]
        return sorted(hits, key=lambda h: -h[1])[:limit]

    def chunks(self, ids: Iterable[str]) -> dict[str, tuple[str, dict]]:
        """(text, metadata) of the committed chunks among `ids`."""
        ids = list(dict.fromkeys(ids))
        out = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            sql = f"SELECT id, text, meta FROM chunks WHERE id IN ({','.join('?' * len(part))})"
            out.update((cid, (text, json.loads(meta))) for cid, text, meta in self.db.execute(sql, part))
        return out

    def sentence_chunks(self, source: str, doc_hash: str, start: int) -> tuple[str, ...]:
        """The chunks (one or two) holding the sentence that starts at `start`."""
        sql = ("SELECT c.id FROM sentences s JOIN chunks c ON c.rowid = s.chunk "
               "WHERE s.source=? AND s.doc_hash=? AND s.start=? ORDER BY c.rowid")
        return tuple(cid for cid, in self.db.execute(sql, (source, doc_hash, start)))

    def ids(self) -> Iterator[str]:
        yield from (cid for cid, in self.db.execute("SELECT id FROM chunks ORDER BY rowid"))

    def mentions(self, word: str, scan: int = 1000) -> bool:
        """True if an article's text contains `word` (case-sensitive), looked up by its tokens."""
        tokens = _WORD.findall(word)
        if not tokens:
            return False
        phrase = '"' + " ".join(tokens).replace('"', '""') + '"'
        sql = "SELECT text FROM words WHERE words MATCH ? LIMIT ?"
        return any(word in text for text, in self.db.execute(sql, (phrase, scan)))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer at a time across processes."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, error, tb) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def _any(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def _count(db: sqlite3.Connection, terms, step: int) -> None:
    """Chunk frequencies of `terms` up (1) or down (-1); a term no chunk holds any more is forgotten."""
    db.executemany("INSERT INTO df VALUES(?, ?) ON CONFLICT(term) DO UPDATE SET n = n + ?",
                   [(t, step, step) for t in terms])
    if step < 0:
        db.executemany("DELETE FROM df WHERE term=? AND n <= 0", [(t,) for t in terms])


def _state(db: sqlite3.Connection, key: str) -> int:
    got = db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
    return got[0] if got else 0


def _touch(db: sqlite3.Connection) -> None:
    """A new generation: readers drop what they cached of the previous one."""
    db.execute("INSERT OR REPLACE INTO state VALUES('generation', ?)", (time.time_ns(),))


def _add(db: sqlite3.Connection, key: str, n: int) -> None:
    db.execute("INSERT INTO state VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = value + ?", (key, n, n))
