"""End to end in Debian's Chromium (Playwright): ask, click a citation, follow up, upload, XSS,
typing while answering, phones, limits, reload, export, removal with undo, keyboard, filters,
layout in reach, screen-reader labels, editorial marks.

The app runs as `newsrag serve` in a subprocess over a data folder in tmp holding the five
articles and three small local-news ones with outlet and date (NEWS). Screenshots and measured
timings go to the session's temp folder (the `output` fixture), under browser/. The first test asks
the server's first question, so keep it first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ARTICLES, BIN, free_port, running
from newsrag.index.uploads import safe_name

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
WAIT = 60_000  # ms; an answer takes about a second, the first one a little more
DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 400, "height": 800}
BOTH = pytest.mark.parametrize("size", ["desktop", pytest.param("phone", marks=pytest.mark.phone)])

FESTIVAL = """Quillmere hosts the first Zorblatt Lantern Festival

The Zorblatt Lantern Festival will be held in the coastal town of Quillmere on 14 March, the organisers announced on Monday.
About 3,000 paper lanterns made by local schools will be floated across Quillmere harbour after sunset.
The festival director, Ottilie Brannagh, said the event is funded by a grant from the regional arts council.
"""

XSS = """<img src=x onerror="window.__xss=1;alert('title')"> Glimmerfen ferry update

The Glimmerfen ferry <img src=x onerror="window.__xss=1;alert(1)"> will resume service on 3 May after harbour repairs <script>window.__xss=1;alert(2)</script> are finished.
Operators of the Glimmerfen ferry said **tickets** will cost [eight pounds](javascript:window.__xss=1) and $x^2$ each way.
The Glimmerfen ferry carried 40,000 passengers last year before the harbour wall was damaged in a storm.
"""


# Three articles with an outlet and a date (front matter), for the filters; one cited sentence opens a quotation.
NEWS = {
    "orchard.md": ("Harbour Gazette", "2020-03-10", "Vexmoor orchard opens its gates for the spring harvest fair",
                   "The Vexmoor orchard fair opened on Saturday with pear tastings and a cider press demonstration.\n"
                   "Organisers said about 1,200 visitors came on the first day."),
    "bridge.md": ("Harbour Gazette", "2020-03-20", "Vexmoor footbridge closes for repairs until the summer",
                  "The Vexmoor footbridge over the Drennel river closed on Friday for repairs to its timber deck.\n"
                  "“The deck is no longer safe for cyclists or for pushchairs,” the council engineer, Idris "
                  "Calloway, said.\nThe council said the bridge would reopen in July."),
    "library.md": ("Valley Times", "2019-11-02", "Drennel valley library extends its opening hours",
                   "The Drennel valley library will stay open until 9 pm on weekdays from next month.\n"
                   "The librarian, Morwenna Tallis, said evening visits had doubled."),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`newsrag serve` on a free 127.0.0.1 port over a fresh data folder holding the five articles and NEWS."""
    home = tmp_path_factory.mktemp("browser-home")
    env = {**os.environ, "NEWSRAG_HOME": str(home / "data")}
    env.pop("NEWSRAG_CHROMA_URL", None)
    news = home / "news"
    news.mkdir()
    for name, (outlet, published, title, body) in NEWS.items():
        (news / name).write_text(f"---\noutlet: {outlet}\npublished: {published}\n---\n{title}\n\n{body}\n",
                                 encoding="utf-8")
    for folder in (ARTICLES, news):
        subprocess.run([str(BIN / "newsrag"), "ingest", str(folder)], env=env, check=True, timeout=240,
                       capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    try:
        with running([str(BIN / "newsrag"), "serve", "--host", "127.0.0.1", "--port", str(port)], url, env=env,
                     log=home / "serve.log"):
            yield url, home
    finally:
        sys.stdout.write((home / "serve.log").read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def shots(output):
    """Screenshots of each step, in the session's temp folder."""
    folder = output / "browser"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture()
def page(app, request):
    """A fresh browser (empty storage) on the page; 1400x900 unless the test is marked `phone` (400x800)."""
    with browser_page(app[0], PHONE if request.node.get_closest_marker("phone") else DESKTOP) as page:
        page.wait_for_function("() => window.__newsragKeys")  # the page's key handling is in place
        yield page


@contextlib.contextmanager
def browser_page(url: str, size: dict):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=size, accept_downloads=True)
        page.set_default_timeout(WAIT)
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        page.wait_for_selector("#chat")
        try:
            yield page
        finally:
            browser.close()


def ask(page, question: str, turn: int) -> str:
    """Type a question, wait for the finished answer of `turn` (0-based); its text."""
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    return finished_answer(page, turn)


def finished_answer(page, turn: int) -> str:
    """Wait until answer `turn` is complete (the page marks each finished answer); its text."""
    page.wait_for_function("(t) => document.querySelectorAll('#chat .answer-end').length > t", arg=turn)
    return page.evaluate("(t) => { const e = document.querySelectorAll('#chat .answer-end')[t];"
                         "         return (e.closest('.md') || e.parentElement).innerText; }", turn)


def click_citation(page, turn: int, n: int):
    """Click [n] in answer `turn`; the focused mark in the source panel. Right after a reload under load
    the first click was seen to be lost once in four CI runs (the page still binding its handlers), so
    a click that focuses nothing within 20 s is repeated, at most three times in all."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    focused = ("(n) => { const m = document.querySelector('#source-panel mark.focus');"
               "         return m && m.dataset.n.split(' ').includes(String(n)); }")
    for attempt in range(3):
        page.locator(f"#chat a.cite[href='#cite-{turn}-{n}']").first.click()
        try:
            page.wait_for_function(focused, arg=n, timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    return page.locator("#source-panel mark.focus")


def expected(url: str, question: str) -> dict:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, api_name="/ask")


def send_timed(page, question: str, turn: int) -> None:
    """Type `question`, note the time and press Enter; `answer_seconds` reads how long answer `turn` took."""
    page.fill("#question textarea", question)
    page.evaluate("""(t) => {
        window.__asked = performance.now(); window.__answered = null;
        const done = () => document.querySelectorAll('#chat .answer-end').length > t;
        const obs = new MutationObserver(() => { if (done() && !window.__answered) {
            window.__answered = performance.now(); obs.disconnect(); } });
        obs.observe(document.body, {childList: true, subtree: true});
    }""", turn)
    page.press("#question textarea", "Enter")


def answer_seconds(page, turn: int) -> float:
    finished_answer(page, turn)
    page.wait_for_function("() => window.__answered !== null")
    return page.evaluate("() => (window.__answered - window.__asked) / 1000")


def test_first_question_is_fast_and_typing_during_an_answer_keeps_every_key(app, page, shots):
    """Keep first: the server's first question. The models and the lexical index load before the page
    answers at all, so the first answer takes about as long as a warm one. Both are timed with nothing
    else going on in the page: typing during an answer slowed it by 0.7 s here and 2.2 s on a loaded CI."""
    send_timed(page, "What did Russia demand?", 0)
    first = answer_seconds(page, 0)
    ask_during = "What did Lavrov say about the talks?"
    page.fill("#question textarea", ask_during)
    page.press("#question textarea", "Enter")
    typed = "And when will they take place?"
    page.keyboard.type(typed, delay=30)  # right after Enter, while the answer is on its way
    finished_answer(page, 1)
    assert page.input_value("#question textarea") == typed  # every key kept, nothing wiped
    assert page.locator("#chat .message-row, #chat [data-testid='user']").count() >= 1
    page.press("#question textarea", "Enter")
    finished_answer(page, 2)
    assert page.input_value("#question textarea") == ""
    page.click("#clear")  # the same first question again, warm and without history
    page.wait_for_function("() => !document.querySelector('#chat .answer-end')")
    send_timed(page, "What did Russia demand?", 0)
    warm = answer_seconds(page, 0)
    (shots / "timings.json").write_text(json.dumps({"first_answer_s": round(first, 2), "warm_answer_s": round(warm, 2)}))
    print(f"first answer {first:.2f} s, warm answer {warm:.2f} s")
    assert first < warm + 2.0, (first, warm)  # loading the models took 8 s on the first question before


def test_enter_while_answering_sends_the_question_when_the_answer_is_done(page):
    page.fill("#question textarea", "When will the talks take place?")
    page.press("#question textarea", "Enter")
    page.keyboard.type("And where?", delay=30)
    page.keyboard.press("Enter")  # may come before the first answer ends: queued, never lost
    finished_answer(page, 1)
    texts = page.locator("#chat .answer-end").count()
    assert texts == 2 and page.input_value("#question textarea") == ""
    assert "Geneva" in finished_answer(page, 1)


def test_keyboard_shift_enter_escape_and_tab_to_a_citation(page):
    box = "#question textarea"
    page.click(box)
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert page.input_value(box) == "first line\nsecond line"  # a new line, nothing sent
    assert page.locator("#chat .answer-end").count() == 0
    page.keyboard.press("Escape")
    assert page.input_value(box) == ""
    ask(page, "Which TV channel interviewed Lavrov?", 0)
    page.click(box)
    for _ in range(40):  # Tab backwards from the box until a [n] marker has the focus
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.matches('#chat a.cite')"):
            break
    else:
        pytest.fail("no [n] marker is reachable with Tab")
    n = page.evaluate("() => document.activeElement.getAttribute('href').split('-').pop()")
    page.keyboard.press("Enter")
    page.wait_for_function("(n) => { const m = document.querySelector('#source-panel mark.focus');"
                           " return m && m.dataset.n.split(' ').includes(n); }", arg=n)


@pytest.mark.phone
def test_phone_tapping_a_citation_shows_the_cited_span(app, page, shots):
    want = expected(app[0], "What did Russia demand?")
    ask(page, "What did Russia demand?", 0)
    second = want["citations"][1]
    mark = click_citation(page, 0, second["n"])
    page.wait_for_timeout(300)
    box = mark.bounding_box()
    assert mark.text_content() == second["text"]
    assert box and 0 <= box["y"] and box["y"] + min(box["height"], 200) <= 800, box  # in the window
    assert _in_view(page, mark)
    placeholder = page.locator("#question textarea")
    width = placeholder.evaluate("(e) => { const c = document.createElement('canvas').getContext('2d');"
                                 " c.font = getComputedStyle(e).font; return c.measureText(e.placeholder).width; }")
    assert width <= placeholder.bounding_box()["width"], "the placeholder is cut off"
    page.screenshot(path=str(shots / "05-phone-citation.png"))
    page.click("#source-panel a.back-to-chat")  # and back up to the answer
    page.wait_for_function("() => document.querySelector('#chat').getBoundingClientRect().top < 400")


def test_too_long_question_stays_with_a_limit_message_and_no_traceback(app, page, shots):
    url, home = app
    question = ("What did the diplomats say about the talks? " * 60)[:2500]
    page.fill("#question textarea", question)
    assert "2,500 / 2,000" in page.inner_text("#question-hint")  # the counter, before sending
    page.press("#question textarea", "Enter")
    page.wait_for_function("() => document.querySelector('#question-hint').innerText.includes('limit is 2,000')")
    page.wait_for_timeout(500)
    assert page.input_value("#question textarea") == question
    assert page.locator("#chat .message-row, #chat .message").count() == 0  # nothing added to the chat
    assert page.locator("#chat .error, .toast-body.error").count() == 0
    page.screenshot(path=str(shots / "06-too-long.png"))
    log = (home / "serve.log").read_text(errors="replace")
    assert "Traceback" not in log and "Error" not in log.replace("ERROR: ", ""), log[-2000:]


def test_reload_keeps_the_conversation_and_clear_clears_it(app, page):
    ask(page, "When will the talks take place?", 0)
    follow = ask(page, "And where?", 1)
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#chat .answer-end').length == 2")
    assert finished_answer(page, 1) == follow
    assert page.locator("#source-panel mark.cited").count() >= 1  # the last answer's sources
    mark = click_citation(page, 0, 1)  # the kept answers still open their sources
    assert "January" in mark.text_content() or mark.text_content()
    third = ask(page, "Who will lead the delegations?", 2)  # follow-ups still have their context
    assert third
    page.click("#clear")
    page.wait_for_function("() => !document.querySelector('#chat .answer-end')")
    page.reload()
    page.wait_for_selector("#chat")
    page.wait_for_timeout(1500)
    assert page.locator("#chat .answer-end").count() == 0
    assert page.locator("#source-panel mark").count() == 0


@BOTH
def test_export_quotes_every_cited_span_once_with_its_file_offsets_outlet_and_date(app, page, shots, size):
    """One footnote per citation: file, start–end, outlet, date, then the exact quote once, never inside
    quotation marks of ours (a quote that opens a quotation used to read ““…”)."""
    questions = ["What did Russia demand?", "What did the council engineer say about the deck?"]
    for turn, q in enumerate(questions):
        ask(page, q, turn)
    with page.expect_download() as got:
        page.click("#export-all")
    text = open(got.value.path(), encoding="utf-8").read()
    (shots / f"conversation-{size}.md").write_text(text, encoding="utf-8")
    cites = [c for q in questions for c in expected(app[0], q)["citations"]]
    assert any(c["text"].startswith("“") for c in cites)  # the case that doubled quotes
    notes = text[text.index("\n[^1]: "):]
    for n, c in enumerate(cites, start=1):
        outlet, published = c.get("outlet") or "outlet unknown", c.get("published") or "date unknown"
        assert f"[^{n}]: {c['source']}, {c['start']}–{c['end']} · {outlet} · {published} · " in text
        assert f"\n    > {c['text']}\n" in text and notes.count(c["text"]) == 1  # the exact quote, once
        assert text.count(f"[^{n}]: ") == 1 and text.count(f"[^{n}]") >= 2  # defined once, used
    assert "Harbour Gazette · 2020-03-20" in text
    assert "““" not in text and "””" not in text
    assert f"[^{len(cites) + 1}]" not in text
    with page.expect_download() as got:
        page.click("#export-answer")
    last = open(got.value.path(), encoding="utf-8").read()
    assert questions[1] in last and questions[0] not in last


def test_refusal_names_only_unknown_words_and_closest_articles_open(page):
    ask(page, "Who won the 2018 FIFA World Cup?", 0)
    notice = page.locator("#chat .notice").inner_text()
    assert notice == "No article mentions FIFA or Cup.", notice
    link = page.locator("#source-panel .closest a.open-article").first
    title = link.inner_text()
    link.click()
    page.wait_for_function("(t) => { const h = document.querySelector('#source-panel .source-card h3');"
                           " return h && h.innerText === t; }", arg=title)
    assert len(page.locator("#source-panel .article-text").inner_text()) > 500


def test_theme_toggle_is_visible_and_remembered(page):
    assert not page.evaluate("() => document.body.classList.contains('dark')")
    page.click("#theme")
    assert page.evaluate("() => document.body.classList.contains('dark')")
    page.reload()
    page.wait_for_selector("#chat")
    page.wait_for_function("() => document.body.classList.contains('dark')")
    page.click("#theme")
    assert not page.evaluate("() => document.body.classList.contains('dark')")


def test_ask_click_citation_and_follow_up(app, page, shots):
    url, _ = app
    page.get_by_text("What did Russia demand?").first.click()  # an example question, one click
    text = finished_answer(page, 0)
    want = expected(url, "What did Russia demand?")
    cites = page.locator("#chat a.cite[href^='#cite-0-']")
    assert len(want["citations"]) >= 2 and cites.count() >= 2, text
    assert "demand" in text.lower()

    second = want["citations"][1]
    mark = click_citation(page, 0, second["n"])
    assert mark.text_content() == second["text"]  # the exact cited span, highlighted
    assert mark.is_visible() and _in_view(page, mark)
    card = page.locator(f"#source-panel .source-card[data-source='{second['source']}']")
    assert card.locator("mark.cited").count() == len({(c["start"], c["end"]) for c in want["citations"]
                                                      if c["source"] == second["source"]})
    titles = page.locator("#source-panel .source-card").count()
    assert titles == len({c["source"] for c in want["citations"]})  # only cited articles are listed
    page.screenshot(path=str(shots / "01-answer-highlight.png"))
    page.press("#question textarea", "Enter")  # an empty question changes nothing
    page.wait_for_timeout(300)
    assert page.locator("#chat a.cite[href^='#cite-0-']").count() == cites.count()
    assert page.locator("#source-panel mark.focus").count() == 1

    page.click("#clear")  # a fresh conversation: no citations, no sources, no history
    page.wait_for_function("() => !document.querySelector('#chat a.cite')")
    assert page.locator("#source-panel mark").count() == 0

    first = ask(page, "When will the talks take place?", 0)
    assert "January" in first, first
    assert not expected(url, "And where?")["answerable"]  # alone, the follow-up means nothing...
    follow = ask(page, "And where?", 1)  # ...in context it is about the talks
    assert "Geneva" in follow, follow
    mark = click_citation(page, 1, 1)
    assert mark.text_content() and mark.text_content() in page.locator("#source-panel").text_content()
    page.screenshot(path=str(shots / "02-follow-up.png"))


def test_upload_then_ask_and_xss_stays_inert(app, page, tmp_path, shots):
    good = tmp_path / "zorblatt festival.txt"
    good.write_text(FESTIVAL, encoding="utf-8")
    saved = safe_name(good.name)  # a cleaned-up name carries a short hash of the name as sent
    evil = tmp_path / "glimmerfen.md"
    evil.write_text(XSS, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    page.click("#articles-box button, #articles-box .label-wrap")
    page.evaluate("""() => { window.__bars = 0; new MutationObserver(() => { window.__bars = Math.max(window.__bars,
        [...document.querySelectorAll('.progress-level, .progress-text')].filter(e => e.getClientRects().length).length);
        }).observe(document.body, {childList: true, subtree: true}); }""")  # shown ones (the filter panel is folded)
    page.locator("#upload input[type=file]").set_input_files([str(good), str(evil), str(empty)])
    status = page.locator("#upload-status")
    # each file is followed while the writer ingests it, then reported: the last one's verdict ends it
    page.wait_for_function("() => document.querySelector('#upload-status').innerText.includes('empty.txt: empty')")
    assert f"{saved}: added, searchable now" in status.inner_text()
    assert "glimmerfen.md: added" in status.inner_text()
    assert "empty.txt: empty file" in status.inner_text()
    page.wait_for_function("() => document.querySelector('#article-list').innerText.includes('glimmerfen.md')")
    assert page.evaluate("() => window.__bars") <= 2  # one progress indicator (a bar and its text), not four
    assert "Drop files here" in page.locator("#upload").inner_text()
    page.screenshot(path=str(shots / "03-upload.png"))

    answer = ask(page, "Where will the Zorblatt Lantern Festival be held?", 0)
    assert "Quillmere" in answer
    mark = click_citation(page, 0, 1)
    assert "Quillmere" in mark.text_content()
    assert page.locator(f"#source-panel .source-card[data-source='{saved}']").count() == 1

    page.click("#clear")  # a new topic: no history to mix in
    page.wait_for_function("() => !document.querySelector('#chat a.cite')")
    answer = ask(page, "When will the Glimmerfen ferry resume service?", 0)
    assert "3 May" in answer and "<script>" in answer, answer  # the payload shows as text
    mark = click_citation(page, 0, 1)
    assert "<script>window.__xss=1;alert(2)</script>" in mark.text_content()
    page.wait_for_timeout(500)  # give any injected handler time to fire
    page.screenshot(path=str(shots / "04-xss-inert.png"))
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.dialogs == []
    assert page.locator("#chat img, #source-panel img, #chat script, #source-panel script").count() == 0

    title = "Quillmere hosts the first Zorblatt Lantern Festival"
    page.locator("#remove-pick input").fill("zorblatt")  # menus name articles by title, then file
    page.get_by_role("option", name=f"{title} · {saved}").click()
    page.click("#remove")
    confirm = page.locator("#remove-confirm")
    confirm.wait_for(state="visible")
    assert title in confirm.inner_text()  # it asks first, naming the article
    page.click("#remove-no")
    confirm.wait_for(state="hidden")
    assert "zorblatt" in page.locator("#article-list").inner_text()  # kept
    page.click("#remove")
    page.click("#remove-yes")
    page.wait_for_function("() => !document.querySelector('#article-list').innerText.includes('zorblatt')")
    assert f"{title} ({saved}): removed" in page.locator("#upload-status").inner_text()
    page.click("#undo")  # changed our mind
    page.wait_for_function("() => document.querySelector('#article-list').innerText.includes('zorblatt')")
    assert "restored" in page.locator("#upload-status").inner_text()
    page.click("#clear")
    page.wait_for_function("() => !document.querySelector('#chat .answer-end')")
    assert "Quillmere" in ask(page, "Where will the Zorblatt Lantern Festival be held?", 0)  # answerable again


def open_filters(page) -> None:
    """Open the filter panel from its one compact control."""
    page.click("#filter-toggle")
    page.locator("#filter-panel").wait_for(state="visible")


def set_date(page, field: str, typed: str) -> None:
    """Type into the Since or Until filter (`field` "since" or "until") and wait for the note beside it."""
    page.fill(f"#f-{field} textarea, #f-{field} input", typed)
    page.wait_for_function("([f, t]) => { const x = document.querySelector(`#filter-chips .chip-x[data-kind=${f}]`);"
                           " return t ? x && x.dataset.value === t : !x; }", arg=[field, typed])


def note(page, field: str, says: str) -> None:
    page.wait_for_function("([f, s]) => document.querySelector(`#f-${f}-note`).innerText.includes(s)",
                           arg=[field, says])


def menu(page, field: str) -> list[str]:
    """Open a dropdown filter; its options as shown."""
    page.click(f"#{field} input")
    page.wait_for_selector(f"#{field} li[role=option]")
    return page.locator(f"#{field} li[role=option]").all_inner_texts()


def uncovered(page, selector: str, height: int) -> bool:
    """The element is inside the window and nothing covers its middle (a pinned bar, a panel)."""
    box = page.locator(selector).first.bounding_box()
    if not box or box["y"] < 0 or box["y"] + box["height"] > height:
        return False
    return page.evaluate("([s, x, y]) => { const e = document.elementFromPoint(x, y);"
                         " return !!e && !!e.closest(s); }",
                         [selector, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    panel = page.locator("#source-panel .source-panel").bounding_box()
    return bool(box and panel and box["y"] >= panel["y"] - 1 and box["y"] < panel["y"] + panel["height"])


# -- issue 21: errors in place, everything in reach, filters that know the index, plain labels ------

@BOTH
def test_a_bad_date_filter_is_explained_beside_it_and_nothing_is_lost(page, shots, size):
    """An unreadable date, an impossible day or Since after Until: a message beside the field and under
    the box; the conversation and the typed question stay, nothing is sent, no bubble is left waiting.
    What dateparser understands is accepted and shown as the day it was read as."""
    ask(page, "What did Russia demand?", 0)
    box, question = "#question textarea", "When will the talks take place?"
    open_filters(page)
    for since, until, field, says in [("2020-02-30", "", "since", "2020-02-30 is not a day of the calendar."),
                                      ("yesterdy", "", "since", "“yesterdy” is not a date I can read"),
                                      ("2022-02-01", "2022-01-31", "until", "Until (2022-01-31) is before Since")]:
        set_date(page, "since", since)
        set_date(page, "until", until)
        note(page, field, says)
        page.fill(box, question)
        page.press(box, "Enter")
        page.wait_for_function("(s) => document.querySelector('#question-hint').innerText.includes(s)", arg=says)
        page.wait_for_function("(q) => document.querySelector('#question textarea').value === q", arg=question)
        page.wait_for_timeout(300)
        assert page.input_value(box) == question  # put back, not doubled
        assert page.locator("#chat .answer-end").count() == 1  # the conversation is all there
        assert page.locator("#chat .thinking").count() == 0  # no "Reading the articles…" left behind
        assert page.locator("#chat .error, .toast-body, .toast-wrap .error").count() == 0
        assert "Moscow demands" in finished_answer(page, 0)
        assert uncovered(page, box, PHONE["height"] if size == "phone" else DESKTOP["height"])
    page.screenshot(path=str(shots / f"21-bad-date-{size}.png"))
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    set_date(page, "since", "March 2020")
    set_date(page, "until", "yesterday")
    note(page, "since", "Read as 2020-03-01")
    note(page, "until", f"Read as {yesterday}")
    assert "since 2020-03-01" in page.inner_text("#filter-chips")
    set_date(page, "since", "")
    set_date(page, "until", "")
    page.click("#filter-done")
    page.press(box, "Enter")  # the kept question, asked now that the filters are fine
    assert "January" in finished_answer(page, 1)
    assert page.input_value(box) == ""


def test_everything_is_in_reach_at_1400x900(page, shots):
    """Clear, both downloads, Articles, Settings, the filters and the question box, without scrolling."""
    ask(page, "What did Russia demand?", 0)
    page.locator("#export-all").wait_for(state="visible")
    for selector in ("#clear", "#export-answer", "#export-all", "#articles-box", "#settings-box",
                     "#filter-toggle", "#question textarea", "#ask", "#source-panel .source-card h3"):
        assert uncovered(page, selector, DESKTOP["height"]), selector
    assert page.evaluate("() => window.scrollY") == 0
    page.screenshot(path=str(shots / "21-desktop.png"))


@pytest.mark.phone
def test_phone_question_box_always_in_view_and_filters_fold_into_chips(page, shots):
    """On a 400x800 phone the question box stays on screen (pinned) wherever the page is scrolled; the
    filters are one row (a button and chips) until opened, and a chip's × removes its filter."""
    box = "#question textarea"
    assert uncovered(page, box, PHONE["height"])
    assert page.locator("#filter-row").bounding_box()["height"] <= 48  # one compact row, not four fields
    ask(page, "What did Russia demand?", 0)
    for where in ("0", "document.body.scrollHeight / 2", "document.body.scrollHeight"):
        page.evaluate(f"() => window.scrollTo(0, {where})")
        page.wait_for_timeout(150)
        assert uncovered(page, box, PHONE["height"]), where
    page.evaluate("() => window.scrollTo(0, 0)")
    open_filters(page)
    assert menu(page, "f-outlet") == ["Harbour Gazette (2)", "Valley Times (1)"]
    page.get_by_role("option", name="Harbour Gazette (2)").click()
    set_date(page, "since", "March 2020")
    page.click("#filter-done")
    page.locator("#filter-panel").wait_for(state="hidden")
    chips = page.locator("#filter-chips .chip")
    assert [" ".join(c.replace("×", "").split()) for c in chips.all_inner_texts()] == ["Harbour Gazette",
                                                                                      "since 2020-03-01"]
    assert page.locator("#filter-row").bounding_box()["height"] <= 48 and uncovered(page, box, PHONE["height"])
    page.screenshot(path=str(shots / "21-phone-chips.png"))
    page.click("#filter-chips .chip-x[data-kind=outlet]")
    page.wait_for_function("() => document.querySelectorAll('#filter-chips .chip').length === 1")
    assert page.inner_text("#filter-toggle") == "Filters (1)"
    open_filters(page)
    assert page.locator("#f-outlet .token").count() == 0  # the menu follows the chip
    answer = ask(page, "When did the Vexmoor footbridge close?", 1)
    assert "Friday" in answer and uncovered(page, box, PHONE["height"])


@BOTH
def test_outlets_the_index_knows_and_one_line_articles_restrict_the_answer(app, page, shots, size):
    """Outlets come from the index with their counts; the Articles menu has one line per article
    (title · outlet · date) and is searchable; the answer keeps to what was picked."""
    open_filters(page)
    assert menu(page, "f-outlet") == ["Harbour Gazette (2)", "Valley Times (1)"]
    page.get_by_role("option", name="Harbour Gazette (2)").click()
    page.keyboard.press("Escape")
    options = menu(page, "f-source")
    assert "Vexmoor footbridge closes for repairs until the summer · Harbour Gazette · 2020-03-20" in options
    assert len(options) == len(set(options)) >= 8  # every article once (an earlier test may have uploaded more)
    heights = page.evaluate("() => [...document.querySelectorAll('#f-source li[role=option]')].map(e =>"
                            " e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))")
    assert max(heights) < 2, heights  # one line each, however long the title and narrow the screen
    page.fill("#f-source input", "vexmoor")
    page.wait_for_function("() => document.querySelectorAll('#f-source li[role=option]').length === 2")
    assert all("Vexmoor" in o for o in page.locator("#f-source li[role=option]").all_inner_texts())
    page.get_by_role("option", name="Vexmoor footbridge closes for repairs until the summer · Harbour Gazette · "
                                    "2020-03-20").click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelectorAll('#filter-chips .chip').length === 2")
    assert "Vexmoor footbridge closes for…" in page.inner_text("#filter-chips")
    page.click("#filter-done")
    page.screenshot(path=str(shots / f"21-filters-{size}.png"))
    ask(page, "What did the council say?", 0)
    sources = page.locator("#source-panel .source-card").evaluate_all("(cs) => cs.map(c => c.dataset.source)")
    assert sources == ["bridge.md"]


@BOTH
def test_screen_readers_get_each_message_as_plain_text(page, size):
    """The chat's aria-labels hold the words of the question and the answer, not HTML or entities."""
    ask(page, "What did Russia demand?", 0)
    page.wait_for_function("() => [...document.querySelectorAll('#chat [aria-label]')].some(e =>"
                           " e.getAttribute('aria-label').startsWith('newsrag answered: '))")
    labels = page.locator("#chat [aria-label]").evaluate_all("(es) => es.map(e => e.getAttribute('aria-label'))")
    assert "You asked: What did Russia demand?" in labels
    answer = next(label for label in labels if label.startswith("newsrag answered: "))
    assert "Moscow demands that NATO" in answer and "[1]" in answer and "Sources" in answer
    assert not [label for label in labels if "<" in label or "&#" in label or "&quot;" in label], labels


@pytest.fixture(scope="module")
def editorial_chat():
    """A page with the real chat component, CSS and page script showing a hand-built answer whose
    `editorial` ranges mark a label and an inserted name (the core does not write them yet)."""
    import gradio as gr

    from newsrag.ui import render
    from newsrag.ui.assets import CSS, PAGE_JS
    from test_chat_render import CONFLICT, EDITORIAL

    messages = [{"role": "user", "content": render.safe(CONFLICT["question"])},
                {"role": "assistant", "content": render.answer_message({**CONFLICT, "editorial": EDITORIAL}, 0)}]
    with gr.Blocks() as demo:
        gr.Chatbot(messages, elem_id="chat", latex_delimiters=[], buttons=[])
        demo.load(None, js=PAGE_JS)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, css=CSS, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@BOTH
def test_editorial_words_are_marked_as_ours_with_their_note(editorial_chat, shots, size):
    """A label and an inserted name show muted and italic, with a tooltip saying what they are; the
    quoted words around them look like the rest of the answer; screen readers hear that they are ours."""
    with browser_page(editorial_chat, PHONE if size == "phone" else DESKTOP) as page:
        marks = page.locator("#chat .editorial")
        marks.first.wait_for()
        assert marks.evaluate_all("(ms) => ms.map(m => m.firstChild.textContent)") == ["Reports differ:",
                                                                                      "[Antony Blinken]"]
        assert marks.first.get_attribute("title") == "Added by newsrag (label): two outlets give different figures"
        assert "who “he” is" in marks.nth(1).get_attribute("title")
        style = marks.first.evaluate("(m) => { const s = getComputedStyle(m), p = getComputedStyle(m.parentElement);"
                                     " return [s.fontStyle, s.color, p.color, s.borderBottomStyle, s.cursor]; }")
        assert style[0] == "italic" and style[1] != style[2] and style[3] == "dotted" and style[4] == "help", style
        assert page.locator("#chat a.cite").count() == 4  # the markers still link to their sources
        page.wait_for_function("() => [...document.querySelectorAll('#chat [aria-label]')].some(e =>"
                               " e.getAttribute('aria-label').includes('Reports differ: (added by newsrag)'))")
        marks.first.hover()
        page.screenshot(path=str(shots / f"21-editorial-{size}.png"))
