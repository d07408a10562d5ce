"""The Gradio page: chat with clickable [n] citations, a source panel, uploads, settings, an /ask API.

Handlers only translate Gradio values to `App` calls and back (newsrag/app.py); every
string shown to the user is built in ui/render.py, which escapes all untrusted text.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import logging
import os
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
from gradio.utils import MatplotlibBackendMananger, get_upload_folder
from starlette.middleware import Middleware

from newsrag.app import App
from newsrag.errors import NewsragError
from newsrag.rag.filters import Filters
from newsrag.settings import Settings
from newsrag.ui import render
from newsrag.ui import export
from newsrag.ui.assets import CHIPS_JS, CSS, DONE_JS, PAGE_JS, PANEL_JS, SUBMIT_JS, THEME_JS, TOGGLE_JS
from newsrag.ui.auth import Access, Users
from newsrag.ui.filters import read_filters
from newsrag.ui.guard import UploadGuard, UploadLimits
from newsrag.ui.logins import LoginGuard, LoginLimits

log = logging.getLogger("newsrag.ui")

FOLLOW_EVERY = 0.5  # seconds between upload status updates while files are ingested
STREAM_EVERY = 0.1  # seconds between chat updates while an answer streams: the browser redraws the chat each time
EXAMPLES = ["What did Russia demand?", "When and where will the US-Russia talks take place?",
            "Which TV channel interviewed Lavrov?", "How many Russian troops are near Ukraine's border?"]


@contextmanager
def friendly(escape=html.escape):
    """Turn any failure into a message box for the user, never a traceback.

    The page shows a message as HTML, so it is escaped there; an API client gets the plain text
    (`escape=str`), never `&#x27;`.
    """
    try:
        yield
    except gr.Error:
        raise
    except NewsragError as e:
        raise gr.Error(escape(str(e))) from e
    except Exception as e:
        log.exception("unexpected error in the chat")
        raise gr.Error(escape(f"Unexpected error ({type(e).__name__}: {e}). See the server log.")) from e


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

    def editor(self, request: gr.Request | None) -> None:
        """Refuse a write unless the request's user may write (a raw HTTP call is checked too)."""
        if not self.access.may_write(getattr(request, "username", None)):
            raise gr.Error("Only editors may upload or remove articles.")

    @staticmethod
    def from_example(evt: gr.SelectData) -> str:
        """An example question was clicked: put it in the box (then it is asked like a typed one)."""
        return evt.value["text"]

    def respond(self, question: str, chat: list, results: list, k: float, backend: str,
                outlets: list[str] | None = None, since: str = "", until: str = "", sources: list[str] | None = None):
        """Stream the answer into the chat, then show its sources in the panel and offer downloads.

        Outputs: chat, results (kept in the browser), panel, hint under the box, the two downloads.
        A question that is empty or too long, or a filter that cannot be read, leaves everything as it
        is, with a word under the box (and the page puts a question it took back in the box).
        """
        question, limit = (question or "").strip(), self.app.settings.max_question_chars
        if not question or len(question) > limit:
            message = (f"This question is {len(question):,} characters long; the limit is {limit:,}. "
                       "Shorten it, then press Enter.") if question else "Type a question first."
            yield *[gr.skip()] * 3, render.hint_html(message, len(question), limit), gr.skip(), gr.skip()
            return
        form = read_filters(outlets, since, until, sources)
        if form.error:
            yield *[gr.skip()] * 3, render.hint_html(form.error, limit=limit, unsent=True), gr.skip(), gr.skip()
            return
        turn, results = len(results), results or []
        chat = chat + [{"role": "user", "content": render.safe(question)},
                       {"role": "assistant", "content": render.thinking()}]
        yield chat, gr.skip(), gr.skip(), render.hint_html(limit=limit), gr.skip(), gr.skip()
        text, shown = "", time.monotonic()
        with friendly():
            for event in self.app.stream(question, history_of(results), int(k), backend, form.filters):
                if "delta" in event:
                    text += event["delta"]
                    if time.monotonic() - shown >= STREAM_EVERY:
                        chat[-1], shown = {"role": "assistant", "content": render.answer_html(text, turn)}, time.monotonic()
                        yield chat, *[gr.skip()] * 5
                    continue
                kept = {**event["answer"], "closest": event.get("closest") or []}
                chat[-1] = {"role": "assistant", "content": render.answer_message(kept, turn, event.get("notice"))}
                yield chat, results + [kept], self.panel_for(kept), gr.skip(), *self.downloads(results + [kept])

    def panel_for(self, result: dict | None, focus: int | None = None) -> str:
        return render.source_panel(result, self.app.article, focus=focus, nonce=time.time_ns(),
                                   closest=[tuple(c) for c in (result or {}).get("closest") or []])

    def show_source(self, results: list, evt: gr.EventData):
        """A [n] link was clicked: the panel shows that answer's sources, focused on n.

        An article title clicked in a list (closest articles, the article table) opens that article.
        """
        data = getattr(evt, "_data", None) or {}
        if isinstance(data.get("source"), str):
            return self.open_article(data["source"])
        try:
            turn, n = int(data.get("turn")), int(data.get("n"))
        except (TypeError, ValueError):
            return gr.skip()
        if not 0 <= turn < len(results or []):
            return gr.skip()
        with friendly():
            return self.panel_for(results[turn], focus=n)

    def open_article(self, source: str) -> str:
        with friendly():
            titles = {a.source: a.title for a in self.app.articles()}
            return render.article_panel(source, titles.get(source, source), self.app.article(source),
                                        nonce=time.time_ns())

    def restore(self, results: list):
        """Page load: the conversation kept in this browser, its last sources, its downloads."""
        results = [r for r in results or [] if isinstance(r, dict) and "answer" in r]
        if not results:  # nothing kept: leave the page alone (a question may already be on its way)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        with friendly():
            return (render.conversation(results), self.panel_for(results[-1] if results else None),
                    *self.downloads(results))

    def clear(self):
        """A fresh conversation: nothing kept in the browser either."""
        return [], [], self.panel_for(None), render.hint_html(limit=self.app.settings.max_question_chars), \
            *self.downloads([])

    @staticmethod
    def downloads(results: list[dict]) -> tuple:
        """The two download buttons: the last answer and the whole conversation as Markdown."""
        if not results:
            return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
        last = write_export(export.answer_markdown(results[-1]), "newsrag-answer.md")
        whole = write_export(export.conversation_markdown(results), "newsrag-conversation.md")
        return gr.update(value=last, visible=True), gr.update(value=whole, visible=True)

    def articles(self):
        rows = self.app.articles()
        choices = [(render.article_label(a.title, a.source), a.source) for a in rows]
        return (render.articles_table(rows), gr.update(choices=choices, value=None),
                gr.update(choices=[render.article_choice(a) for a in rows]))

    def upload(self, files: list | None, request: gr.Request):
        """Queue the uploaded files for the index's one writer and follow them: each file's progress, then
        when it is searchable. Questions keep being answered meanwhile; bad files never stop the others.
        Outputs: status, table, pick, source filter, the upload box."""
        self.editor(request)
        if not files:
            yield (gr.skip(),) * 5
            return
        with friendly(), _forgetting(files):  # staged in the data folder: Gradio's copies can go
            jobs, refused = self.app.submit_uploads([(Path(f), Path(f).name) for f in files])
        searchable = -1
        while True:
            finished = sum(j.finished for j in jobs)
            lines = [line for j in jobs for line in job_lines(j)] + [("bad", reason) for _, reason in refused]
            if finished == len(jobs):
                break
            table = self.articles() if finished != searchable else (gr.skip(),) * 3  # a file just became searchable
            searchable = finished
            yield render.status_html(lines), *table, None
            time.sleep(FOLLOW_EVERY)
        bad = sum(kind == "bad" for kind, _ in lines)
        if bad:
            gr.Warning(html.escape(f"{bad} file(s) could not be indexed; see the list under the upload box."),
                       duration=4)
        yield render.status_html(lines), *self.articles(), None

    def ask(self, question: str, outlet: list[str] | None = None, since: str | None = None,
            until: str | None = None, source: list[str] | None = None) -> dict:
        """Answer one question; returns the same JSON object as `newsrag ask --json`.

        Optional filters as in the CLI: outlet names (any case), inclusive ISO dates, article files.
        """
        with friendly(escape=str):
            return self.app.ask(question, filters=Filters.parse(outlet, since, until, source))["answer"]


class Removal:
    """Removing an article from the page: pick, confirm (naming its title), undo until the next removal."""

    def __init__(self, h: Handlers):
        self.h, self.app = h, h.app

    def ask(self, source: str | None):
        """Outputs: the confirmation box (shown) and its message."""
        if not source:
            gr.Warning("Pick an article to remove first.", duration=3)
            return gr.skip(), gr.skip()
        title = {a.source: a.title for a in self.app.articles()}.get(source, source)
        return gr.update(visible=True), render.confirm_html(title, source)

    @staticmethod
    def cancel():
        return gr.update(visible=False)

    def confirm(self, source: str | None, request: gr.Request):
        """Remove it, keeping its version so it can be put back. Outputs: status, table, pick, source filter,
        confirmation box, undo box, undo message, the undo token (the removed version's id)."""
        self.h.editor(request)
        if not source:
            return *[gr.skip()] * 4, gr.update(visible=False), gr.skip(), gr.skip(), gr.skip()
        with friendly():
            removed = self.app.remove_for_undo(source)
        title = removed.title if removed else source
        line = ("ok", f"{title} ({source}): removed") if removed else ("bad", f"{source}: was not indexed")
        kept = {"version": removed.version, "source": source, "title": title} if removed else None
        return (render.status_html([line]), *self.h.articles(), gr.update(visible=False),
                gr.update(visible=kept is not None), render.removed_html(title, source), kept)

    def undo(self, kept: dict | None, request: gr.Request):
        """Put back exactly the version removed (refused if a newer one is indexed now). Outputs: status,
        table, pick, source filter, undo box, undo token."""
        self.h.editor(request)
        if not kept:
            return *[gr.skip()] * 4, gr.update(visible=False), None
        with friendly():
            report = self.app.undo(str(kept.get("version") or ""))
        name = f"{kept.get('title')} ({kept.get('source')})"
        line = (("bad", report.failed[0][1]) if report.failed else
                ("same", f"{name}: already indexed, nothing changed") if report.unchanged else ("ok", f"{name}: restored"))
        return render.status_html([line]), *self.h.articles(), gr.update(visible=False), None


class FilterBox:
    """The compact filter control: chips for what is active, the outlets the index knows, dates read as typed."""

    def __init__(self, app: App):
        self.app = app

    def changed(self, outlets: list[str] | None, since: str, until: str, sources: list[str] | None):
        """Any filter changed. Outputs: the chips, the note next to each date, the Filters button."""
        form = read_filters(outlets, since, until, sources)
        titles = {a.source: a.title for a in self.app.articles()} if form.sources else {}
        active = len(form.outlets) + len(form.sources) + bool(form.since.typed) + bool(form.until.typed)
        label = f"Filters ({active})" if active else "Filters"
        return (render.filter_chips(form, titles), render.date_note(form.since), render.date_note(form.until),
                gr.update(value=label))

    @staticmethod
    def drop(outlets: list[str] | None, sources: list[str] | None, evt: gr.EventData):
        """A chip's remove button was clicked. Outputs: outlets, since, until, articles (only that one changes)."""
        data = getattr(evt, "_data", None) or {}
        kind, value = data.get("kind"), data.get("value")
        return (gr.update(value=[o for o in outlets or [] if o != value]) if kind == "outlet" else gr.skip(),
                "" if kind == "since" else gr.skip(), "" if kind == "until" else gr.skip(),
                gr.update(value=[x for x in sources or [] if x != value]) if kind == "source" else gr.skip())

    def outlets(self):
        """The Outlets menu: every outlet the index knows, with its number of articles."""
        return gr.update(choices=render.outlet_choices(self.app.articles()))


def job_lines(job) -> list[tuple[str, str]]:
    """A queued upload as status lines: waiting, reading (n of m sentences), then searchable or why not."""
    if not job.finished:
        if job.state == "queued":
            return [("same", f"{job.name}: waiting for the files before it")]
        step = f" ({job.done:,} of {job.total:,} sentences)" if job.total else ""
        return [("same", f"{job.name}: reading{step}; questions are answered from the articles indexed so far")]
    if job.error is not None:
        message = str(job.error) if isinstance(job.error, NewsragError) else f"unexpected error ({job.error})"
        return [("bad", f"{job.name}: {message}")]
    r = job.result
    return ([("ok", f"{s}: added, searchable now") for s in r.added] + [("ok", f"{s}: updated, searchable now")
                                                                         for s in r.updated]
            + [("same", f"{s}: already indexed, nothing changed") for s in r.unchanged]
            + [("bad", reason) for _, reason in r.failed])


def browser_secret(home: Path) -> str:
    """The key the conversation kept in each browser is encrypted with, kept in the data folder so a
    restarted server can still read it (Gradio's default is a new random key per start)."""
    path = Path(home) / "browser-secret"
    try:
        return path.read_text(encoding="utf-8").strip() or _new_secret(path)
    except FileNotFoundError:
        return _new_secret(path)


def _new_secret(path: Path) -> str:
    secret = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
    return secret


def write_export(markdown: str, name: str) -> str:
    """Save a download under Gradio's cache, in a folder named by its content (same text, same file)."""
    folder = Path(get_upload_folder()) / "exports" / hashlib.sha256(markdown.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(markdown, encoding="utf-8")
    return str(path)


BACKEND_LABELS = {"extractive": "newsrag itself, quoting the articles", "openai": "an OpenAI-compatible model",
                  "llamacpp": "a local model (llama.cpp)"}


def backend_choices(app: App) -> list[tuple[str, str]]:
    """Every installed answer backend, plus the configured one (so a misconfiguration shows, not hides)."""
    names = app.backends()
    names = names if app.settings.backend in names else names + [app.settings.backend]
    return [(f"{BACKEND_LABELS.get(n, n)} ({n})", n) for n in names]


@contextmanager
def _forgetting(files: list):
    """Delete Gradio's temporary copies of uploads once handled (ours are kept in home/uploads)."""
    try:
        yield
    finally:
        for f in files:
            Path(f).unlink(missing_ok=True)


def build_app(app: App, access: Access = Access()) -> gr.Blocks:
    """The page: the chat on the left; Articles, Settings and the source panel on the right; events wired up.

    A read-only page has no upload or remove component and registers no handler for them.
    """
    # delete_cache: Gradio's leftover copies (uploads are deleted once handled) go after ten minutes.
    with gr.Blocks(title="newsrag", delete_cache=(600, 600)) as demo:
        with gr.Row(equal_height=True, elem_id="top"):
            gr.HTML('<div class="heading"><h1 class="brand">newsrag</h1><p class="tagline">Ask about the indexed '
                    'news articles. Every statement cites the exact passage it comes from: click a '
                    '<b>&#91;n&#93;</b> to see it highlighted in its article.</p></div>', elem_id="heading",
                    js_on_load=None)
            theme = gr.Button("◐ Light / dark", size="sm", scale=0, min_width=120, elem_id="theme")
        # answers so far, kept in this browser (a reload keeps them); the article removed last (for undo)
        c = SimpleNamespace(results=gr.BrowserState([], storage_key="newsrag-conversation",
                                                    secret=browser_secret(app.settings.home)), kept=gr.State(None))
        with gr.Row(equal_height=False, elem_id="main"):
            _chat_column(c, app)
            _side_column(c, app, writable=not access.read_only)
        h = Handlers(app, access)
        _wire(h, c, demo)
        _wire_filters(FilterBox(app), c)
        if not access.read_only:  # a read-only page has no write handler at all
            _wire_removal(Removal(h), c)
        theme.click(None, js=THEME_JS, **PRIVATE)
        demo.load(None, js=PAGE_JS, **PRIVATE)
    return demo


def _chat_column(c: SimpleNamespace, app: App) -> None:
    """The chat; under it the composer (filters, question box, hint), then Clear and the downloads.

    On a phone the composer is pinned to the bottom of the screen (CSS), so the box is always in view.
    """
    with gr.Column(scale=3, min_width=320, elem_id="chat-col"):
        c.chat = gr.Chatbot(label="Chat", elem_id="chat", height="calc(100vh - 275px)", min_height=300,
                            latex_delimiters=[], examples=[{"text": q} for q in EXAMPLES], buttons=[])
        with gr.Column(elem_id="composer"):
            _filter_control(c)
            with gr.Row(elem_id="ask-row"):
                c.box = gr.Textbox(placeholder="Ask about the articles…", show_label=False, lines=1, scale=6,
                                   elem_id="question", max_lines=6, min_width=160, container=False)
                c.send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ask")
            c.hint = gr.HTML(render.hint_html(limit=app.settings.max_question_chars), elem_id="question-hint",
                             padding=False, js_on_load=None)
        with gr.Row(elem_id="chat-actions"):
            c.clear = gr.Button("Clear conversation", size="sm", elem_id="clear")
            c.get_answer = gr.DownloadButton("Download answer (.md)", size="sm", visible=False,
                                             elem_id="export-answer")
            c.get_all = gr.DownloadButton("Download conversation (.md)", size="sm", visible=False,
                                          elem_id="export-all")


def _side_column(c: SimpleNamespace, app: App, writable: bool) -> None:
    """Articles and Settings (folded, so both stay in view), then the source panel."""
    with gr.Column(scale=2, min_width=320, elem_id="side"):
        _articles_box(c, app.settings, writable)
        with gr.Accordion("Settings", open=False, elem_id="settings-box"):
            c.k = gr.Slider(1, 30, step=1, value=app.settings.k, label="Passages to read", elem_id="k",
                            info="How many passages of the articles are read to answer each question")
            c.backend = gr.Dropdown(backend_choices(app), value=app.settings.backend, label="Answer written by")
        gr.HTML('<h2 class="side-title">Sources</h2>', js_on_load=None)
        c.panel = gr.HTML(render.source_panel(None, app.article), js_on_load=PANEL_JS, elem_id="source-panel")


def _filter_control(c: SimpleNamespace) -> None:
    """One compact control: a Filters button and the active filters as removable chips; the button
    opens a panel (outlets the index knows, Since and Until as typed, articles) above it."""
    empty = read_filters(None, None, None, None)
    with gr.Row(elem_id="filter-row"):
        c.toggle = gr.Button("Filters", size="sm", scale=0, min_width=90, elem_id="filter-toggle")
        c.chips = gr.HTML(render.filter_chips(empty, {}), elem_id="filter-chips", js_on_load=CHIPS_JS,
                          padding=False)
    with gr.Column(elem_id="filter-panel", variant="panel"):
        with gr.Row():
            c.outlets = gr.Dropdown(label="Outlets", choices=[], multiselect=True, scale=3, elem_id="f-outlet")
            with gr.Column(scale=2, min_width=130):
                c.since = gr.Textbox(label="Since", placeholder="e.g. 2020-03-01", elem_id="f-since")
                c.since_note = gr.HTML(render.date_note(empty.since), elem_id="f-since-note", padding=False,
                                       js_on_load=None)
            with gr.Column(scale=2, min_width=130):
                c.until = gr.Textbox(label="Until", placeholder="e.g. last week", elem_id="f-until")
                c.until_note = gr.HTML(render.date_note(empty.until), elem_id="f-until-note", padding=False,
                                       js_on_load=None)
        with gr.Row(elem_id="filter-articles"):
            c.sources = gr.Dropdown(label="Articles (type to search)", choices=[], multiselect=True, scale=5,
                                    elem_id="f-source")
            c.close_filters = gr.Button("Done", size="sm", scale=0, min_width=70, elem_id="filter-done")


def _articles_box(c: SimpleNamespace, settings: Settings, writable: bool) -> None:
    if not writable:
        with gr.Accordion("Articles", open=False, elem_id="articles-box"):
            c.table = gr.HTML(elem_id="article-list")
            c.files = None
        return
    with gr.Accordion("Articles: upload, list, remove", open=False, elem_id="articles-box"):
        c.files = gr.File(file_count="multiple", type="filepath", elem_id="upload",
                          label=f"Add articles (.txt, .md, .html; up to {settings.max_file_bytes / 1e6:g} MB each)")
        c.status = gr.HTML(elem_id="upload-status")
        c.table = gr.HTML(elem_id="article-list")
        with gr.Row():
            c.pick = gr.Dropdown(label="Remove an article", choices=[], scale=4, elem_id="remove-pick")
            c.drop = gr.Button("Remove…", scale=1, elem_id="remove")
        with gr.Column(visible=False, elem_id="remove-confirm", variant="panel") as c.confirm_box:
            c.confirm_text = gr.HTML()
            with gr.Row():
                c.confirm = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="remove-yes")
                c.cancel = gr.Button("Keep it", size="sm", elem_id="remove-no")
        with gr.Column(visible=False, elem_id="remove-undo", variant="panel") as c.undo_box:
            c.undo_text = gr.HTML()
            c.undo = gr.Button("Undo", size="sm", elem_id="undo")


PRIVATE = {"api_visibility": "private"}  # page events are not API endpoints; the one public endpoint is /ask


def _wire(h: Handlers, c: SimpleNamespace, demo: gr.Blocks) -> None:
    """Asking (one event for Enter and the Ask button, so a second send waits), panel, uploads, load."""
    asking = dict(fn=h.respond, inputs=[c.box, c.chat, c.results, c.k, c.backend, c.outlets, c.since, c.until, c.sources],
                  outputs=[c.chat, c.results, c.panel, c.hint, c.get_answer, c.get_all], show_progress_on=[c.chat],
                  js=SUBMIT_JS.replace("MAX", str(h.app.settings.max_question_chars)), **PRIVATE)
    gr.on([c.box.submit, c.send.click], trigger_mode="once", **asking).then(None, js=DONE_JS, **PRIVATE)
    c.chat.example_select(h.from_example, None, c.box, **PRIVATE).then(**asking).then(None, js=DONE_JS, **PRIVATE)
    for clearing in (c.clear.click, c.chat.clear):
        clearing(h.clear, None, [c.chat, c.results, c.panel, c.hint, c.get_answer, c.get_all], **PRIVATE)
    c.panel.click(h.show_source, [c.results], c.panel, **PRIVATE)
    if c.files is None:  # read-only: the list and the source filter only
        demo.load(lambda: h.articles()[::2], None, [c.table, c.sources], **PRIVATE)
    else:
        c.files.upload(h.upload, c.files, [c.status, c.table, c.pick, c.sources, c.files], show_progress="minimal",
                       show_progress_on=[c.status], **PRIVATE)
        demo.load(h.articles, None, [c.table, c.pick, c.sources], **PRIVATE)
    demo.load(h.restore, [c.results], [c.chat, c.panel, c.get_answer, c.get_all], **PRIVATE)
    gr.api(h.ask, api_name="ask")


def _wire_filters(f: FilterBox, c: SimpleNamespace) -> None:
    """Chips and date notes follow every filter change; a chip's × drops its filter; the panel opens in the page."""
    fields = [c.outlets, c.since, c.until, c.sources]
    # One event for the four fields, run for the last change: answers to earlier keystrokes never land last.
    gr.on([field.change for field in fields], f.changed, fields, [c.chips, c.since_note, c.until_note, c.toggle],
          trigger_mode="always_last", show_progress="hidden", **PRIVATE)
    c.chips.click(f.drop, [c.outlets, c.sources], fields, show_progress="hidden", **PRIVATE)
    c.table.change(f.outlets, None, c.outlets, show_progress="hidden", **PRIVATE)
    for button in (c.toggle, c.close_filters):
        button.click(None, js=TOGGLE_JS, **PRIVATE)


def _wire_removal(r: Removal, c: SimpleNamespace) -> None:
    c.drop.click(r.ask, c.pick, [c.confirm_box, c.confirm_text], **PRIVATE)
    c.cancel.click(r.cancel, None, c.confirm_box, **PRIVATE)
    c.confirm.click(r.confirm, c.pick, [c.status, c.table, c.pick, c.sources, c.confirm_box, c.undo_box, c.undo_text, c.kept],
                    **PRIVATE)
    c.undo.click(r.undo, c.kept, [c.status, c.table, c.pick, c.sources, c.undo_box, c.kept], **PRIVATE)


def warm_gradio() -> None:
    """Do now what Gradio does lazily on the first event, which made the first question seconds slower:
    every event switches Matplotlib's backend (importing pyplot, ~3 s), and the queue's analytics import pandas."""
    import pandas  # noqa: F401

    with MatplotlibBackendMananger():  # (sic) Gradio's spelling
        pass


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, read_only: bool = False,
          auth_file: Path | None = None) -> None:
    """`newsrag serve`: build the App, load the model and open the lexical index, run the page until interrupted."""
    users = Users.load(auth_file) if auth_file else None
    check_exposure(host, read_only, users)
    # Gradio's own upload cache goes under the data folder too, not the system temp dir.
    temp = (Path(settings.home) / "tmp").resolve()
    os.environ["GRADIO_TEMP_DIR"] = str(temp)
    limits = UploadLimits(not read_only, users.is_editor if users else None, settings.upload_request_bytes,
                          settings.uploads_per_minute, temp, settings.upload_temp_bytes)
    logins = LoginLimits(settings.login_failures_per_user, settings.login_failures_per_address)
    print("newsrag: loading the model and the index…", flush=True)
    app = App(settings)
    if not read_only:
        app.heal()  # finish an upload or removal a killed server left half done
    app.warm()
    if not read_only and not settings.chroma_url:  # the folder's one writer: take the command line's ingests
        app.watch_inbox()
    warm_gradio()
    demo = build_app(app, Access(read_only, users))
    print(f"newsrag: ready; open http://{host}:{port}", flush=True)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, show_error=False, css=CSS, footer_links=["api"],
        max_file_size=2 * settings.max_file_bytes, inbrowser=False, i18n=I18N, auth=users.login if users else None,
        app_kwargs={"middleware": [Middleware(UploadGuard, limits=limits), Middleware(LoginGuard, limits=logins)]})


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


# Gradio's drop zone says "Drop File Here" even when several files are allowed.
I18N = gr.I18n(en={"upload_text.drop_file": "Drop files here", "upload_text.click_to_upload": "Click to upload"})
