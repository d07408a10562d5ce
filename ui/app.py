"""The Gradio page: chat with clickable [n] citations, a source panel, uploads, settings, an /ask API.

Handlers only translate Gradio values to `App` calls and back (newsrag/app.py); every
string shown to the user is built in ui/render.py, which escapes all untrusted text.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
from starlette.middleware import Middleware

from newsrag.app import App
from newsrag.errors import NewsragError
from newsrag.settings import Settings
from newsrag.ui import render
from newsrag.ui.assets import CSS, PANEL_JS
from newsrag.ui.auth import Access, Users
from newsrag.ui.guard import UploadGuard, UploadLimits

log = logging.getLogger("newsrag.ui")

EXAMPLES = ["What did Russia demand?", "When and where will the US-Russia talks take place?",
            "Which TV channel interviewed Lavrov?", "How many Russian troops are near Ukraine's border?"]


@contextmanager
def friendly():
    """Turn any failure into a message box for the user, never a traceback."""
    try:
        yield
    except gr.Error:
        raise
    except NewsragError as e:
        raise gr.Error(html.escape(str(e))) from e
    except Exception as e:
        log.exception("unexpected error in the chat")
        raise gr.Error(html.escape(f"Unexpected error ({type(e).__name__}: {e}). See the server log.")) from e


def history_of(results: list[dict]) -> list[dict]:
    """The chain's chat history from the answers so far (plain text, markers included)."""
    turns = []
    for r in results:
        turns += [{"role": "user", "content": r["question"]}, {"role": "assistant", "content": r["answer"]}]
    return turns


class Handlers:
    """Event handlers bound to one App; the write handlers check the logged-in user themselves."""

    def __init__(self, app: App, access: Access = Access()):
        self.app = app
        self.access = access

    def _editor(self, request: gr.Request | None) -> None:
        """Refuse a write unless the request's user may write (a raw HTTP call is checked too)."""
        if not self.access.may_write(getattr(request, "username", None)):
            raise gr.Error("Only editors may upload or remove articles.")

    def start(self, question: str, chat: list):
        """Show the user's question at once and hand it on to `respond`."""
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            return gr.skip(), gr.skip(), ""
        return "", chat + [{"role": "user", "content": render.safe(question)}], question

    @staticmethod
    def from_example(evt: gr.SelectData) -> str:
        """An example question was clicked: put it in the box (then it is asked like a typed one)."""
        return evt.value["text"]

    def respond(self, question: str, chat: list, results: list, k: float, backend: str):
        """Stream the answer into the chat, then show its sources in the panel."""
        if not question:  # nothing was asked: leave the page as it is
            yield gr.skip(), gr.skip(), gr.skip()
            return
        turn = len(results)
        chat = chat + [{"role": "assistant", "content": "…"}]
        text = ""
        with friendly():
            for event in self.app.stream(question, history_of(results), int(k), backend):
                if "delta" in event:
                    text += event["delta"]
                    chat[-1] = {"role": "assistant", "content": render.answer_html(text, turn)}
                    yield chat, results, gr.skip()
                    continue
                result = event["answer"]
                content = render.answer_html(result["answer"], turn, result["citations"])
                if event.get("notice"):  # e.g. "No article mentions X." under a refusal
                    content += f'<div class="notice">{render.safe(event["notice"])}</div>'
                chat[-1] = {"role": "assistant", "content": content}
                panel = render.source_panel(result, self.app.article, nonce=time.time_ns(),
                                            closest=event.get("closest"))
                yield chat, results + [result], panel

    def show_source(self, results: list, evt: gr.EventData):
        """A [n] link was clicked: the panel shows that answer's sources, focused on n."""
        data = getattr(evt, "_data", None) or {}
        try:
            turn, n = int(data.get("turn")), int(data.get("n"))
        except (TypeError, ValueError):
            return gr.skip()
        if not 0 <= turn < len(results):
            return gr.skip()
        with friendly():
            return render.source_panel(results[turn], self.app.article, focus=n, nonce=time.time_ns())

    def clear(self):
        return [], [], render.source_panel(None, self.app.article), ""

    def article_list(self):
        return render.articles_table([(a.source, a.title, a.chunks) for a in self.app.articles()])

    def articles(self):
        rows = [(a.source, a.title, a.chunks) for a in self.app.articles()]
        return render.articles_table(rows), gr.update(choices=[s for s, _, _ in rows], value=None)

    def upload(self, files: list | None, request: gr.Request, progress=gr.Progress()):
        """Save and ingest the uploaded files, reporting each one; bad files never stop the others."""
        self._editor(request)
        if not files:
            return (gr.skip(),) * 4
        with friendly(), _forgetting(files):
            progress(0, desc="Saving files")
            report, refused = self.app.upload(
                [(Path(f), Path(f).name) for f in files],
                lambda done, total: progress((done, total), desc="Embedding sentences", unit="sentences"))
        lines = ([("ok", f"{s}: added") for s in report.added] + [("ok", f"{s}: updated") for s in report.updated]
                 + [("same", f"{s}: already indexed, nothing changed") for s in report.unchanged]
                 + [("bad", reason) for _, reason in refused + report.failed])
        bad = len(refused) + len(report.failed)
        if bad:
            gr.Warning(html.escape(f"{bad} file(s) could not be indexed; see the list under the upload box."))
        if report.added or report.updated:
            gr.Info(f"{len(report.added) + len(report.updated)} article(s) indexed and ready to ask about.")
        return (render.status_html(lines), *self.articles(), None)

    def remove(self, source: str | None, request: gr.Request):
        self._editor(request)
        if not source:
            gr.Warning("Pick an article to remove first.")
            return (gr.skip(),) * 3
        with friendly():
            removed = self.app.remove(source)
        line = ("ok", f"{source}: removed") if removed else ("bad", f"{source}: was not indexed")
        return (render.status_html([line]), *self.articles())

    def ask(self, question: str) -> dict:
        """Answer one question; returns the same JSON object as `newsrag ask --json`."""
        with friendly():
            return self.app.ask(question)["answer"]


def backend_choices(app: App) -> list[str]:
    """Every installed answer backend, plus the configured one (so a misconfiguration shows, not hides)."""
    names = app.backends()
    return names if app.settings.backend in names else names + [app.settings.backend]


@contextmanager
def _forgetting(files: list):
    """Delete Gradio's temporary copies of uploads once handled (ours are kept in home/uploads)."""
    try:
        yield
    finally:
        for f in files:
            Path(f).unlink(missing_ok=True)


def build_app(app: App, access: Access = Access()) -> gr.Blocks:
    """The page: chat and source panel side by side, then articles and settings; events wired up.

    A read-only page has no upload or remove component and registers no handler for them.
    """
    # delete_cache: Gradio's leftover copies of uploads are dropped after ten minutes.
    with gr.Blocks(title="newsrag", delete_cache=(600, 600)) as demo:
        gr.Markdown("## newsrag\nAsk about the indexed news articles. Every statement cites the exact "
                    "passage it comes from: click a **[n]** to see it highlighted in its article.")
        c = SimpleNamespace(results=gr.State([]), pending=gr.State(""))  # answers so far; question being asked
        _chat_row(c, app)
        _articles_box(c, app.settings, writable=not access.read_only)
        with gr.Accordion("Settings", open=False):
            c.k = gr.Slider(1, 30, step=1, value=app.settings.k, label="Passages retrieved (k)", elem_id="k")
            c.backend = gr.Dropdown(backend_choices(app), value=app.settings.backend,
                                    label="Answer backend")
        _wire(Handlers(app, access), c, demo)
    return demo


def _chat_row(c: SimpleNamespace, app: App) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            c.chat = gr.Chatbot(label="Chat", elem_id="chat", height=560, latex_delimiters=[],
                                examples=[{"text": q} for q in EXAMPLES], buttons=["copy"])
            with gr.Row():
                c.box = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False,
                                   scale=6, elem_id="question", max_lines=4)
                c.send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                c.clear = gr.Button("Clear", scale=1, min_width=80, elem_id="clear")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            c.panel = gr.HTML(render.source_panel(None, app.article), js_on_load=PANEL_JS,
                              elem_id="source-panel")


def _articles_box(c: SimpleNamespace, settings: Settings, writable: bool) -> None:
    if not writable:
        with gr.Accordion("Articles", open=False, elem_id="articles-box"):
            c.table = gr.HTML(elem_id="article-list")
            c.pick = c.files = None
        return
    with gr.Accordion("Articles: upload, list, remove", open=False, elem_id="articles-box"):
        c.files = gr.File(file_count="multiple", type="filepath", elem_id="upload",
                          label=f"Add articles (.txt, .md, .html; up to {settings.max_file_bytes / 1e6:g} MB each)")
        c.status = gr.HTML(elem_id="upload-status")
        c.table = gr.HTML(elem_id="article-list")
        with gr.Row():
            c.pick = gr.Dropdown(label="Remove an article", choices=[], scale=4, elem_id="remove-pick")
            c.drop = gr.Button("Remove", scale=1, elem_id="remove")


def _wire(h: Handlers, c: SimpleNamespace, demo: gr.Blocks) -> None:
    """Page events are private (not API endpoints); the one public endpoint is /ask."""
    private = {"api_visibility": "private"}
    asking = ([c.pending, c.chat, c.results, c.k, c.backend], [c.chat, c.results, c.panel])
    for trigger in (c.box.submit, c.send.click):
        trigger(h.start, [c.box, c.chat], [c.box, c.chat, c.pending], **private).then(h.respond, *asking, **private)
    c.chat.example_select(h.from_example, None, c.box, **private).then(
        h.start, [c.box, c.chat], [c.box, c.chat, c.pending], **private).then(h.respond, *asking, **private)
    for clearing in (c.clear.click, c.chat.clear):
        clearing(h.clear, None, [c.chat, c.results, c.panel, c.pending], **private)
    c.panel.click(h.show_source, [c.results], c.panel, **private)
    if c.files is None:  # read-only: the write handlers do not exist on this page
        demo.load(h.article_list, None, c.table, **private)
    else:
        c.files.upload(h.upload, c.files, [c.status, c.table, c.pick, c.files], **private)
        c.drop.click(h.remove, c.pick, [c.status, c.table, c.pick], **private)
        demo.load(h.articles, None, [c.table, c.pick], **private)
    gr.api(h.ask, api_name="ask")


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, read_only: bool = False,
          auth_file: Path | None = None) -> None:
    """`newsrag serve`: build the App, load the model and BM25 snapshot, run the page until interrupted."""
    users = Users.load(auth_file) if auth_file else None
    check_exposure(host, read_only, users)
    # Gradio's own upload cache goes under the data folder too, not the system temp dir.
    temp = (Path(settings.home) / "tmp").resolve()
    os.environ["GRADIO_TEMP_DIR"] = str(temp)
    limits = UploadLimits(not read_only, users.is_editor if users else None, settings.upload_request_bytes,
                          settings.uploads_per_minute, temp, settings.upload_temp_bytes)
    app = App(settings)
    app.warm()
    demo = build_app(app, Access(read_only, users))
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, show_error=False, css=CSS, footer_links=["api"],
        max_file_size=2 * settings.max_file_bytes, inbrowser=False, auth=users.check if users else None,
        app_kwargs={"middleware": [Middleware(UploadGuard, limits=limits)]})


def check_exposure(host: str, read_only: bool, users: Users | None) -> None:
    """Refuse to serve a writable page without logins on an address other machines can reach."""
    if read_only or users is not None or is_loopback(host):
        return
    raise NewsragError(f"refusing to serve on {host} without --auth-file or --read-only: anyone who can reach "
                       f"it could upload and remove articles (see docs/deployment.md)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
