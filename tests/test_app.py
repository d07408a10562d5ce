"""The one way in: `App`, its LangChain Runnables, the installed package layout and the import layers."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from conftest import ARTICLES, ROOT, article_text, shared_pages
from newsrag.app import App
from newsrag.index.store import chunk_sentences

# Lower layers never import higher ones; a layer may import itself and anything below it.
LAYERS = [
    ("newsrag.settings", "newsrag.errors"),
    ("newsrag.index",),
    ("newsrag.rag",),
    ("newsrag.app",),
    ("newsrag.ui", "newsrag.eval"),  # siblings: neither imports the other
    ("newsrag.cli",),
]
FOLDERS = {"newsrag": "newsrag", "index": "newsrag.index", "rag": "newsrag.rag", "ui": "newsrag.ui",
           "eval": "newsrag.eval"}


def layer(module: str) -> tuple[int, str]:
    """(layer number, the layer's package) of a newsrag module."""
    if module == "newsrag":  # the package itself only re-exports App and Settings
        return 3, "newsrag.app"
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return i, prefix
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def imported(source: str) -> list[str]:
    """Every newsrag module a source file imports, at any depth (function-level imports count too)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [m for m in out if m.split(".")[0] == "newsrag" and _is_module(m)]


def _is_module(name: str) -> bool:
    parts = name.split(".")[1:]
    if not parts:
        return False
    folder = ROOT / {"index": "index", "rag": "rag", "ui": "ui", "eval": "eval"}.get(parts[0], "newsrag")
    rest = parts[1:] if parts[0] in ("index", "rag", "ui", "eval") else parts
    path = folder.joinpath(*rest) if rest else folder
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(module: str, source: str) -> list[str]:
    """Imports of `module` that point up the layers (or sideways between ui and eval)."""
    own, own_pkg = layer(module)
    bad = []
    for target in imported(source):
        theirs, their_pkg = layer(target)
        if theirs > own or (theirs == own and own_pkg != their_pkg and own != 0):
            bad.append(f"{module} imports {target}")
    return bad


def modules() -> list[tuple[str, Path]]:
    out = []
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("").parts
            rel = rel[:-1] if rel[-1] == "__init__" else rel
            out.append((".".join((package, *rel)), path))
    return out


def test_imports_point_down_the_layers():
    found = modules()
    assert len(found) > 40
    bad = [v for name, path in found for v in violations(name, path.read_text(encoding="utf-8"))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module,source", [
    ("newsrag.rag.chain", "from newsrag.ui.app import serve\n"),
    ("newsrag.index.store", "def f():\n    from newsrag.rag.lexical import CorpusCache\n"),  # lazy counts too
    ("newsrag.settings", "import newsrag.app\n"),
    ("newsrag.eval.run", "from newsrag.ui import render\n"),
])
def test_the_layer_check_catches_a_reversed_import(module, source):
    assert violations(module, source)


def test_installed_as_newsrag_subpackages_only(tmp_path):
    """From outside the repo, `import rag` fails and `import newsrag.rag` works."""
    run = lambda code: subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    for bare in ("rag", "index", "ui", "eval"):
        assert run(f"import {bare}").returncode != 0, bare
    ok = run("import newsrag.rag, newsrag.index, newsrag.ui, newsrag.eval, newsrag.rag.llm.openai; print('ok')")
    assert ok.stdout.strip() == "ok", ok.stderr


def test_importing_the_package_loads_neither_the_app_nor_a_heavy_library():
    """`import newsrag` and its light modules stay light: App, Chroma, Gradio, torch and spaCy load on first use."""
    heavy = ("newsrag.app", "chromadb", "gradio", "torch", "spacy", "sentence_transformers")
    code = (f"import sys, newsrag, newsrag.rag, newsrag.index.chunk, newsrag.index.hash_embed\n"
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "", run.stdout + run.stderr
    run = subprocess.run([sys.executable, "-c", "import newsrag; print(newsrag.App.__module__)"], capture_output=True,
                         text=True)
    assert run.stdout.strip() == "newsrag.app", run.stderr  # and `newsrag.App` still works


class Recorder(BaseCallbackHandler):
    def __init__(self):
        self.events: list[str] = []

    def on_retriever_start(self, *args, **kwargs):
        self.events.append("retriever_start")

    def on_retriever_end(self, *args, **kwargs):
        self.events.append("retriever_end")

    def on_chain_start(self, *args, **kwargs):
        self.events.append("chain_start")

    def on_chain_end(self, *args, **kwargs):
        self.events.append("chain_end")


@pytest.fixture(scope="module")
def app(indexed, embedder):
    settings, store = indexed
    return App(settings, store, embedder)


def _check_answer(answer: dict) -> None:
    assert {"question", "answer", "answerable", "citations", "sentences", "notice"} <= set(answer)
    assert answer["answerable"] and answer["citations"]
    for c in answer["citations"]:
        assert article_text(c["source"])[c["start"]:c["end"]] == c["text"]

@pytest.mark.answers

def test_chain_invoke_returns_the_json_dict_and_callbacks_see_the_retriever(app):
    rec = Recorder()
    answer = app.chain().invoke({"question": "What did Russia demand?"}, config={"callbacks": [rec]})
    _check_answer(answer)
    assert rec.events[0] == "chain_start" and rec.events[-1] == "chain_end"
    assert "retriever_start" in rec.events and "retriever_end" in rec.events

@pytest.mark.answers

class Names(BaseCallbackHandler):
    def __init__(self):
        self.names: list[str] = []

    def on_chain_start(self, serialized, inputs, *, name=None, **kwargs):
        self.names.append(name)


def test_each_stage_shows_in_callbacks_under_its_own_name_in_order(app):
    rec = Names()
    app.chain().invoke({"question": "Where will the talks be held?"}, {"callbacks": [rec]})
    stages = [n for n in rec.names if n in ("analyse", "retrieve", "read", "decide", "compose", "cite")]
    assert rec.names[0] == "newsrag" and stages == ["analyse", "retrieve", "read", "decide", "compose", "cite"]


def test_chain_stream_batch_ainvoke_astream_all_pass_config(app):
    chain = app.chain()
    rec = Recorder()
    events = list(chain.stream({"question": "Which TV channel interviewed Lavrov?"}, {"callbacks": [rec]}))
    assert all("delta" in e for e in events[:-1]) and len(events) > 2
    _check_answer(events[-1]["answer"])
    assert rec.events.count("retriever_start") >= 1

    rec = Recorder()
    both = chain.batch([{"question": "What did Russia demand?"}, {"question": "Where will the talks be held?"}],
                       {"callbacks": [rec]})
    assert len(both) == 2 and all(a["citations"] for a in both)
    assert rec.events.count("retriever_end") >= 2

    async def run_async():
        r1, r2 = Recorder(), Recorder()
        answer = await chain.ainvoke({"question": "What did Russia demand?"}, {"callbacks": [r1]})
        streamed = [e async for e in chain.astream({"question": "What did Russia demand?"}, {"callbacks": [r2]})]
        return answer, streamed, r1, r2

    answer, streamed, r1, r2 = asyncio.run(run_async())
    _check_answer(answer)
    assert len(streamed) > 2 and all("delta" in e for e in streamed[:-1])
    assert streamed[-1]["answer"]["answer"] == answer["answer"]
    assert "".join(e["delta"] for e in streamed[:-1]).split() == answer["answer"].split()
    assert "retriever_start" in r1.events and "retriever_end" in r2.events

@pytest.mark.answers

def test_retriever_is_a_langchain_retriever_with_exact_spans(app):
    from langchain_core.retrievers import BaseRetriever

    retriever = app.retriever(k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Geneva")
    assert len(docs) == 4
    for d in docs:
        m = d.metadata
        assert {"source", "title", "start", "end", "score"} <= set(m)
        text = article_text(m["source"])
        spans = chunk_sentences(m)  # the chunk is these exact sentences of the article, whitespace-normalised
        assert (spans[0][0], spans[-1][1]) == (m["start"], m["end"])
        assert d.page_content == " ".join(" ".join(text[a:b].split()) for a, b in spans)
    assert any("Geneva" in d.page_content for d in docs)

@pytest.mark.answers

def test_ask_returns_answer_evidence_and_closest_on_refusal(app):
    final = app.ask("What did Russia demand?")
    _check_answer(final["answer"])
    assert final["evidence"].candidates and final["closest"] is None
    refused = app.ask("Who won the 2018 FIFA World Cup?")
    assert not refused["answer"]["answerable"] and isinstance(refused["closest"], list)

@pytest.mark.answers

def test_chat_backend_menu_lists_every_installed_backend(app):
    """The chat's menu comes from the one registry: openai and llamacpp appear when installed."""
    import gradio as gr

    from newsrag.rag.backends import BACKENDS
    from newsrag.ui.app import build_app

    installed = [name for name, b in BACKENDS.items() if b.installed()]
    assert {"extractive", "openai", "llamacpp"} <= set(installed)  # the test extras install both
    demo = build_app(app)
    menus = [b for b in demo.blocks.values() if isinstance(b, gr.Dropdown) and b.label and "answer" in b.label.lower()]
    assert len(menus) == 1
    assert [c[1] if isinstance(c, (tuple, list)) else c for c in menus[0].choices] == installed


def test_ingest_list_remove_through_app(tmp_path, embedder):
    from newsrag.settings import Settings

    app = App(Settings(home=tmp_path / "home"), embedder=embedder)
    one = sorted(ARTICLES.glob("*.txt"))[0]
    assert app.ingest([one]).added == [one.name]
    assert [a.source for a in app.articles()] == [one.name]
    text, view = app.article(one.name)
    assert text == one.read_text(encoding="utf-8") and len(view) == len(text)
    assert app.remove(one.name) and app.articles() == []


def test_undoing_a_removal_keeps_the_pages_outlet_date_and_url(tmp_path, embedder):
    """A real page (DW) ingested from the command line: removed, then its removed version put back, reads the same."""
    from newsrag.settings import Settings

    app = App(Settings(home=tmp_path / "home"), embedder=embedder)
    page, = shared_pages("dw.com.colonial.html")
    assert not app.ingest([page]).failed
    before = app.articles()[0]
    assert before.outlet and before.published and before.url
    text, _ = app.article(page.name)
    removed = app.remove_for_undo(page.name)
    assert removed and not removed.uploaded and app.articles() == []
    assert not app.undo(removed.version).failed
    after = app.articles()[0]
    assert (after.title, after.meta) == (before.title, before.meta)
    assert app.article(page.name)[0] == text  # the same text, so every citation offset still holds


def test_warm_loads_the_reader_and_its_verifier_before_any_question(tmp_path, embedder):
    """`serve` warms the App before opening the page; the first question then loads nothing (the verifier,
    loaded lazily, once made a CI run's first answer the slowest)."""
    from newsrag.rag.verifier import CARD
    from newsrag.settings import Settings

    app = App(Settings(home=tmp_path / "home"), embedder=embedder)
    app.warm()
    chain = app.chain()
    assert chain._reader is not None
    assert chain._verifier is not None and (chain._verifier is not False) == CARD.exists()
