"""Shared fixtures: real Chroma (embedded in tmp, and a real server), the packaged model, our articles."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
                  GRADIO_ANALYTICS_ENABLED="False", TOKENIZERS_PARALLELISM="false")

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "articles"
# Real news pages saved from public repositories: they stay in ../shared and are never committed here.
SHARED_HTML = ROOT.parent / "shared" / "data" / "html"
BIN = Path(sys.executable).parent

from newsrag.app import App  # noqa: E402
from newsrag.index.embedders import make_embedder  # noqa: E402
from newsrag.index.ingest import ingest  # noqa: E402
from newsrag.index.store import ChromaStore, connect  # noqa: E402
from newsrag.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """One ONNX model cache for the session (embedders, and the reader's and verifier's exports): each fresh
    data dir would otherwise export again (~10 s), and the user's own cache is never written."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session", autouse=True)
def _model_cache(models_dir):
    """For the whole session, before any fixture loads a reader: exports go to the session's cache. The
    default embedder's export is made first, so no test's stderr depends on whether it ran first."""
    from newsrag.index.onnx_embed import default_model_path, ensure_onnx
    from newsrag import settings as settings_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSRAG_CACHE_DIR", str(models_dir))
        mp.setattr(settings_module, "default_cache", lambda: models_dir)
        ensure_onnx(models_dir / "onnx", default_model_path(), quantized=False)
        yield


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch, models_dir):
    """Tests write only under tmp: the data folder and the model cache are never the user's."""
    monkeypatch.setenv("NEWSRAG_HOME", str(tmp_path / "newsrag-home"))
    monkeypatch.setenv("NEWSRAG_MODELS_DIR", str(models_dir))
    for key in ("NEWSRAG_CHROMA_URL", "NEWSRAG_BACKEND", "NEWSRAG_EMBED_BACKEND", "NEWSRAG_K", "OPENAI_API_KEY",
                "NEWSRAG_READER_RUNTIME"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def output(tmp_path_factory) -> Path:
    """Where tests leave artefacts worth a look (screenshots, load figures): a temp folder, never the repo.

    pytest keeps the last three runs' temp folders; `pytest --basetemp DIR` puts it at DIR/test-output0/.
    """
    return tmp_path_factory.mktemp("test-output")


def shared_pages(*names: str) -> list[Path]:
    """The named real pages (all of them when none is named); the test is skipped where ../shared is absent."""
    paths = [SHARED_HTML / n for n in names] if names else sorted(SHARED_HTML.glob("*.html"))
    if not paths or not all(p.is_file() for p in paths):
        pytest.skip("../shared/data/html not present")
    return paths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def cli(*args, home, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `newsrag ARGS` as a user would, on the data folder `home`; text output captured."""
    env = {**os.environ, "NEWSRAG_HOME": str(home)}
    return subprocess.run([str(BIN / "newsrag"), *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=timeout)


@contextlib.contextmanager
def running(cmd: list[str], ready_url: str, env: dict | None = None, log: Path | None = None, timeout: float = 120,
            cwd: Path | None = None):
    """Run a server process until the block ends; wait until `ready_url` answers; always stop it."""
    out = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        wait_http(ready_url, timeout=timeout)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server on 127.0.0.1 (the `chroma` CLI from the chromadb wheel)."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    chroma = shutil.which("chroma", path=str(BIN)) or "chroma"
    cmd = [chroma, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", log=path / "server.log", timeout=60):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def embedder(models_dir):
    """The default embedding backend (what `Settings()` and every store default to)."""
    return make_embedder(Settings(models_dir=models_dir))


def make_settings(request, base: Path, mode: str) -> Settings:
    """Settings for one Chroma mode; server collections get a unique prefix so tests never share."""
    if mode == "server":
        url = request.getfixturevalue("chroma_server")
        return Settings(home=base, chroma_url=url, collection=f"t{uuid.uuid4().hex[:10]}")
    return Settings(home=base)


MODES = ("embedded", "server")


def pytest_addoption(parser):
    parser.addoption("--all-modes", action="store_true",
                     help="run every test that uses a Chroma store in both modes, not only those marked both_modes")


def pytest_generate_tests(metafunc):
    """A test using a Chroma store (`mode`, `fresh`, `indexed`, `chain`...) runs embedded; one marked
    `both_modes` (where the server changes behaviour) runs over a real Chroma server too."""
    if "mode" not in metafunc.fixturenames or _parametrizes(metafunc, "mode"):
        return
    both = metafunc.config.getoption("all_modes") or metafunc.definition.get_closest_marker("both_modes")
    metafunc.parametrize("mode", MODES if both else MODES[:1], indirect=True, scope="session")


def pytest_collection_modifyitems(items):
    """Marks `make test-fast` leaves out: `server` on a case run over the Chroma server, `answers` on a
    test asking the `chain` fixture (the real model, reader and spaCy answering over the five articles);
    a test that answers through `App` instead says `@pytest.mark.answers` itself."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("mode") == "server" and "mode" in item.fixturenames:
            item.add_marker(pytest.mark.server)
        if "chain" in item.fixturenames:
            item.add_marker(pytest.mark.answers)


def _parametrizes(metafunc, name: str) -> bool:
    """The test sets `name` itself with @pytest.mark.parametrize (not the `mode` fixture, then)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if name in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return True
    return False


@pytest.fixture(scope="session")
def mode(request) -> str:
    """The Chroma mode, "embedded" or "server" (set by `pytest_generate_tests`)."""
    return request.param


@pytest.fixture(scope="session")
def indexed(request, mode, tmp_path_factory, embedder):
    """The five articles ingested once per Chroma mode: (settings, store)."""
    settings = make_settings(request, tmp_path_factory.mktemp(f"indexed-{mode}"), mode)
    store = ChromaStore(connect(settings), settings.collection)
    report = ingest([ARTICLES], store, embedder, settings)
    assert not report.failed, report.failed
    return settings, store


@pytest.fixture(scope="session")
def chain(indexed, embedder):
    settings, store = indexed
    return App(settings, store, embedder).chain()


@pytest.fixture()
def fresh(request, mode, tmp_path):
    """An empty store in the current Chroma mode: (settings, store)."""
    settings = make_settings(request, tmp_path / "home", mode)
    return settings, ChromaStore(connect(settings), settings.collection)


def article_text(source: str) -> str:
    return (ARTICLES / source).read_text(encoding="utf-8")
