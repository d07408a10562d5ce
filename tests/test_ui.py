"""The chat's core without a browser: the /ask API, upload safety, and inert, exact highlight HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from conftest import ARTICLES, article_text, free_port
from newsrag.errors import InputError
from newsrag.index.store import Article
from newsrag.ui import render
from newsrag.index.uploads import discard, inside, safe_name, save_uploads, upload_dir

ALLOWED_TAGS = {"a", "b", "div", "header", "h3", "li", "mark", "p", "section", "span", "strong", "sup", "ul",
                "table", "thead", "tbody", "tr", "th", "td"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.(txt|md|html|htm)$")


class Tags(HTMLParser):
    """Collects every tag, its attributes, and the text inside each <mark>."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.marks: list[str] = []
        self.outside: list[str] = []  # text outside the marks
        self._in_mark = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "mark":
            self._in_mark = True
            self.marks.append("")

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._in_mark:
            self.marks[-1] += data
        else:
            self.outside.append(data)


def assert_inert(markup: str) -> Tags:
    parsed = Tags(markup)
    for tag, attrs in parsed.tags:
        assert tag in ALLOWED_TAGS, tag
        assert not any(k.startswith("on") or k in ("src", "style") for k in attrs), attrs
        link = attrs.get("class") == "src-link" and re.fullmatch(r"https?://[^\s\"'<>]+", attrs.get("href", ""))
        assert not attrs.get("href") or link or re.fullmatch(r"#cite-\d+-\d+|#article|#chat", attrs["href"]), attrs
    # nothing Markdown, KaTeX or a JS template could act on survives outside our own tags
    assert not re.search(r"[\[\]*_`$]|\$\{|\{\{", re.sub(r"<[^>]*>", "", markup))
    return parsed


# -- the /ask API over HTTP ----------------------------------------------------------------------
@pytest.fixture()
def served(indexed, embedder):
    """The page served in-process on a free 127.0.0.1 port: (url, chain)."""
    from newsrag.app import App
    from newsrag.ui.app import build_app

    settings, store = indexed
    app = App(settings, store, embedder)
    demo = build_app(app)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", app.chain()
    finally:
        demo.close()

@pytest.mark.answers

def test_ask_api_returns_the_cli_json(served):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, chain = served
    client = Client(url, verbose=False)
    got = client.predict("What did Russia demand?", api_name="/ask")
    assert got == chain.invoke({"question": "What did Russia demand?"})  # what `newsrag ask --json` prints
    assert set(got) == {"question", "answer", "answerable", "citations", "sentences", "notice", "short_answer",
                        "conflict", "intent", "editorial"} and got["answerable"]
    assert len(got["citations"]) >= 2
    for c in got["citations"]:
        assert set(c) == {"n", "source", "title", "start", "end", "text", "supported", "speaker", "short",
                          "outlet", "published", "url", "author", "dates", "offsets"}
        assert article_text(c["source"])[c["start"]:c["end"]] == c["text"]
        assert f"[{c['n']}]" in got["answer"]
    refused = client.predict("What did the Martian ambassador say about Jupiter?", api_name="/ask")
    assert refused["answerable"] is False and refused["citations"] == []
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")
    only = client.predict("What did Russia demand?", None, None, None, ["003_f3e8cce4618215f0.txt"], api_name="/ask")
    assert only["citations"] and {c["source"] for c in only["citations"]} == {"003_f3e8cce4618215f0.txt"}
    nothing = client.predict("What did Russia demand?", ["Reuters"], api_name="/ask")
    assert nothing["answer"] == "No article matches the filters (outlet reuters)." and not nothing["citations"]
    with pytest.raises(AppError, match="not a date"):
        client.predict("What did Russia demand?", None, "last week", api_name="/ask")


# -- uploads: safe names, only inside the data folder, size limit ---------------------------------
@pytest.mark.parametrize("sent, saved", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\Windows\\win.MD", "win.md"),
    ("/abs/path/story.html", "story.html"),
    (".hidden.txt", "hidden-HASH.txt"),
    ("<img src=x onerror=alert(1)>.txt", "img_src_x_onerror_alert_1-HASH.txt"),
    ("my article (1).htm", "my_article_1-HASH.htm"),
])
def test_safe_name_keeps_a_plain_base_name(sent, saved):
    assert re.fullmatch(re.escape(saved).replace("HASH", "[0-9a-f]{8}"), safe_name(sent))


def test_names_that_clean_up_alike_stay_distinct():
    names = {safe_name(n) for n in ("report (1).txt", "report_1.txt", "report[1].txt", "report 1.txt")}
    assert len(names) == 4 and "report_1.txt" in names


def test_safe_name_of_a_name_with_nothing_usable_is_stable_and_distinct():
    assert NAME.match(safe_name("Привет.txt"))
    assert safe_name("Привет.txt") == safe_name("Привет.txt") != safe_name("Пока.txt")


@pytest.mark.parametrize("sent", ["report.pdf", "noext", "..", "dir/", "a.txt/", "x.txt\x00.sh", "a.exe"])
def test_safe_name_refuses_unsupported(sent):
    with pytest.raises(InputError, match="unsupported file type"):
        safe_name(sent)


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["", ".txt", ".md", ".html", ".HTM", ".pdf", "/..", "\\.txt"]))
def test_any_name_is_refused_or_plain_and_inside(tmp_path_factory, stem, suffix):
    try:
        name = safe_name(stem + suffix)
    except InputError:
        return
    assert NAME.match(name) and len(name) <= 100, name
    folder = tmp_path_factory.getbasetemp() / "names"
    assert inside(folder, name).parent == folder.resolve()


def test_inside_refuses_escaping_names(tmp_path):
    for bad in ("../x.txt", "a/../../x.txt", "/etc/x.txt"):
        with pytest.raises(InputError):
            inside(tmp_path, bad)


def test_save_uploads_writes_only_into_uploads_and_enforces_the_size_limit(tmp_path):
    src = tmp_path / "incoming"
    src.mkdir()
    ok = src / "ok.txt"
    ok.write_text("Title\n\nA sentence about something that happened.", encoding="utf-8")
    big = src / "big.txt"
    big.write_bytes(b"x" * 2001)
    home = tmp_path / "home"
    saved = save_uploads([(ok, "../../../escape.txt"), (big, "big.txt"), (ok, "evil.sh"), (ok, "escape.txt")],
                         home, max_bytes=2000)
    assert saved.paths == [upload_dir(home).resolve() / "escape.txt"]
    reasons = dict(saved.failed)
    assert "too large" in reasons["big.txt"] and "limit is 0.002 MB" in reasons["big.txt"]
    assert "unsupported file type '.sh'" in reasons["evil.sh"]
    assert "same name" in reasons["escape.txt"]
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["home/uploads/escape.txt", "incoming/big.txt", "incoming/ok.txt"]
    discard(home, "../incoming/ok.txt")  # never deletes outside the uploads folder
    assert ok.exists()


# -- the service behind the page: upload, answer at once, re-upload, remove ----------------------
FESTIVAL = ("Quillmere hosts the first Zorblatt Lantern Festival\n\n"
            "The Zorblatt Lantern Festival will be held in the coastal town of Quillmere on 14 March, "
            "the organisers announced on Monday.\nAbout 3,000 paper lanterns made by local schools will be "
            "floated across Quillmere harbour after sunset.\n")

@pytest.mark.answers

def test_upload_is_answerable_at_once_idempotent_and_removable(fresh, embedder, tmp_path):
    from newsrag.app import App

    settings, store = fresh
    service = App(settings, store, embedder)
    good = tmp_path / "festival.txt"
    good.write_text(FESTIVAL, encoding="utf-8")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x00")
    report, refused = service.upload([(good, "festival.txt"), (binary, "photo.txt"), (good, "notes.pdf")])
    assert report.added == ["festival.txt"]
    assert [s for s, _ in report.failed] == ["photo.txt"] and "binary" in report.failed[0][1]
    assert refused and "unsupported" in refused[0][1]
    assert not (upload_dir(settings.home) / "photo.txt").exists()  # a rejected file is not kept

    events = list(service.stream("Where will the Zorblatt Lantern Festival be held?", [], k=4))
    result = events[-1]["answer"]
    assert result["answerable"] and "Quillmere" in result["answer"]
    assert {c["source"] for c in result["citations"]} == {"festival.txt"}
    assert all(FESTIVAL[c["start"]:c["end"]] == c["text"] for c in result["citations"])

    again, _ = service.upload([(good, "festival.txt")])
    assert again.unchanged == ["festival.txt"] and not again.added and not again.updated
    assert service.remove("festival.txt") and service.articles() == []
    assert not (upload_dir(settings.home) / "festival.txt").exists()
    refusal = list(service.stream("Where will the Zorblatt Lantern Festival be held?", []))[-1]
    assert refusal["answer"]["citations"] == [] and "closest" in refusal


PAGE = """<!doctype html><html><head><title>Harbour news</title>
<script>var tracking = function() { return 1; };</script></head><body>
<nav><a href="/">Home</a> | <a href="/sport">Sport</a> | <a href="/weather">Weather</a></nav>
<article><h1>Glimmerfen ferry to resume service</h1>
<p>The Glimmerfen ferry will resume service on 3 May after repairs to the harbour wall, the operator said on Tuesday.</p>
<p>Engineers spent four months rebuilding the wall, which was damaged in a winter storm, at a cost of &pound;2 million.</p>
<p>The ferry carried 40,000 passengers &amp; 9,000 cars last year and the operator expects similar numbers this summer.</p>
</article><footer>Copyright Harbour News. All rights reserved.</footer></body></html>
"""


def test_html_article_panel_reads_as_prose_with_exact_marks(fresh, embedder, tmp_path):
    from newsrag.app import App

    settings, store = fresh
    service = App(settings, store, embedder)
    page = tmp_path / "ferry.html"
    page.write_text(PAGE, encoding="utf-8")
    report, _ = service.upload([(page, "ferry.html")])
    assert report.added == ["ferry.html"]
    result = list(service.stream("How much did the harbour wall repairs cost?", []))[-1]["answer"]
    assert result["answerable"], result
    parsed = assert_inert(render.source_panel(result, service.article, focus=1))
    assert parsed.marks == [c["text"] for c in sorted(result["citations"], key=lambda c: c["start"])]
    outside = "".join(parsed.outside)
    shown = outside + "".join(parsed.marks)
    assert "&pound;" not in shown and "&amp;" not in shown  # entities decoded, in the marks too (page text)
    assert "£2 million" in shown and "passengers & 9,000 cars" in shown
    assert "tracking" not in outside and "<nav" not in outside and "Sport" not in outside  # markup, menus hidden


# -- rendering: inert, and every highlight is the exact cited text --------------------------------
EVIL = ('<script>window.__xss=1</script> <img src=x onerror="alert(1)"> [link](javascript:alert(1)) '
        '**bold** $x$ ${window.x} {{constructor}} `code` ![i](x)')


def test_answer_and_panel_render_untrusted_text_inert():
    text = f"Headline {EVIL}\n\nThe ferry {EVIL} resumes on 3 May.\n"
    start = text.index("The ferry")
    end = text.index("May.") + 4
    cite = {"n": 1, "source": f"{EVIL}.txt", "title": f"Headline {EVIL}", "start": start, "end": end,
            "text": text[start:end]}
    answer = {"question": "q", "answer": f"{cite['text']} [1] [9]", "answerable": True, "citations": [cite]}
    chat = render.answer_html(answer["answer"], 0, [cite])
    assert_inert(chat)
    assert chat.count('href="#cite-0-1"') == 2 and "#cite-0-9" not in chat  # only real citations link
    panel = render.source_panel(answer, lambda s: (text, None), focus=1)
    parsed = assert_inert(panel)
    assert parsed.marks == [cite["text"]]
    assert_inert(render.articles_table([Article(f"{EVIL}.txt", EVIL, "h", 3, EVIL, "2020-01-20", EVIL, EVIL)]))
    assert_inert(render.article_panel(f"{EVIL}.txt", EVIL, (text, None)))
    assert_inert(render.confirm_html(EVIL, EVIL))
    assert_inert(render.removed_html(EVIL, EVIL) + render.hint_html(EVIL, 3000, 2000))
    assert_inert("".join(m["content"] for m in render.conversation([{**answer, "notice": EVIL}])))
    evil_url = {**cite, "outlet": EVIL, "published": EVIL, "url": f"javascript:alert(1)//{EVIL}"}
    odd_url = {**cite, "url": f'https://example.org/a?b="><script>{EVIL}'}
    for bad in (evil_url, odd_url):  # no link unless it is a plain http(s) URL
        assert "src-link" not in render.news_meta(bad)
        assert_inert(render.sources_list(0, [bad]))
        assert_inert(render.source_panel({"citations": [bad]}, lambda s: (text, None)))
    linked = assert_inert(render.sources_list(0, [{**cite, "url": "https://example.org/news/a_1?x=1&y=2"}]))
    assert ("a", {"class": "src-link", "href": "https://example.org/news/a_1?x=1&y=2", "target": "_blank",
                  "rel": "noopener noreferrer nofollow"}) in linked.tags
    assert_inert(render.status_html([("bad", EVIL)]))


def test_answer_lines_stay_lines():
    """A summary's one line per article is kept in the chat."""
    cites = [{"n": 1, "source": "a.txt", "title": "A", "start": 0, "end": 1, "text": "x"},
             {"n": 2, "source": "b.txt", "title": "B", "start": 0, "end": 1, "text": "y"}]
    chat = render.answer_html("A: x [1]\nB: y [2]", 0, cites)
    assert chat.count("<br>") == 1 and chat.index("<br>") < chat.index("#cite-0-2")


def test_refusal_lists_no_sources_but_may_offer_closest():
    panel = render.source_panel({"answer": "The articles don't say.", "citations": []}, lambda s: None,
                                closest=[("a.txt", "<b>Title</b>")])
    assert "<mark" not in panel and "source-card" not in panel and "Closest articles" in panel
    assert_inert(panel)


@hsettings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=300), st.lists(st.tuples(st.integers(0, 300), st.integers(1, 60)), max_size=6))
def test_highlights_are_exactly_the_cited_text(text, raw):
    spans = sorted({(min(s, len(text) - 1), min(len(text), s + n)) for s, n in raw})
    cites = [{"n": i + 1, "start": s, "end": e, "text": text[s:e]} for i, (s, e) in enumerate(spans)]
    parsed = Tags(render.highlighted(text, cites, focus=1))
    kept, pos = [], 0
    for s, e in spans:  # overlapping spans are clipped, never nested
        s = max(s, pos)
        if e > s:
            kept.append(text[s:e])
            pos = e
    assert parsed.marks == kept


def test_bundled_article_panel_marks_every_citation(indexed, embedder):
    from newsrag.app import App

    settings, store = indexed
    service = App(settings, store, embedder)
    result = service.ask("What did Russia demand?")["answer"]
    cited = {c["source"] for c in result["citations"]}
    panel = render.source_panel(result, service.article, focus=2)
    parsed = assert_inert(panel)
    assert len([t for t, a in parsed.tags if t == "section"]) == len(cited)
    assert sorted(parsed.marks) == sorted({c["text"] for c in result["citations"]})
    focus = [a for t, a in parsed.tags if t == "mark" and "focus" in a.get("class", "")]
    assert len(focus) == 1 and "2" in focus[0]["data-n"].split()
    assert all((ARTICLES / s).exists() for s in cited)


def test_backends_share_one_bm25_snapshot(indexed, embedder):
    """Each answer backend gets its own chain, but the BM25 snapshot is built and held once."""
    from newsrag.app import App

    settings, store = indexed
    service = App(settings, store, embedder)
    chain = service.chain("extractive")
    assert chain.corpus is service.corpus
    assert chain.invoke({"question": "Which TV channel interviewed Lavrov?"})["answerable"]
    assert service.corpus._corpus is not None  # the answer above built the shared snapshot


def test_browser_secret_is_kept_in_the_data_folder(tmp_path):
    """The conversation kept in a browser stays readable after the server restarts."""
    from newsrag.ui.app import browser_secret

    first = browser_secret(tmp_path / "home")
    assert first == browser_secret(tmp_path / "home") != browser_secret(tmp_path / "other")
    assert (tmp_path / "home" / "browser-secret").stat().st_mode & 0o077 == 0  # only the owner reads it


def test_a_page_stored_as_read_is_not_decoded_twice():
    """A page's stored text is already decoded: a literal "&amp;" in it (an article about HTML) stays."""
    text = "The editor said so. Browsers show the entity &amp; as an ampersand.\n"
    end = text.index(".") + 1
    cite = {"n": 1, "source": "page.html", "title": "T", "start": 0, "end": end, "text": text[:end]}
    parsed = Tags(render.source_panel({"answer": "x [1]", "citations": [cite]}, lambda s: (text, None), focus=1))
    assert parsed.marks == [text[:end]] and "entity &amp; as" in "".join(parsed.outside)  # shown as stored
