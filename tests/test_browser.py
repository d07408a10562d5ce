"""End to end in Debian's Chromium (Playwright): ask, click a citation, follow up, upload, XSS,
typing while answering, phones, limits, reload, export, removal with undo, keyboard.

The app runs as `newsrag serve` in a subprocess over a data folder in tmp holding the five
articles. Screenshots and measured timings go to the session's temp folder (the `output` fixture),
under browser/. The first test asks the server's first question, so keep it first.
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`newsrag serve` on a free 127.0.0.1 port over a fresh data folder holding the five articles."""
    home = tmp_path_factory.mktemp("browser-home")
    env = {**os.environ, "NEWSRAG_HOME": str(home / "data")}
    env.pop("NEWSRAG_CHROMA_URL", None)
    subprocess.run([str(BIN / "newsrag"), "ingest", str(ARTICLES)], env=env, check=True, timeout=240,
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
    """A fresh browser (empty storage) on the page; 1400x950 unless the test is marked `phone`."""
    from playwright.sync_api import sync_playwright

    size = {"width": 400, "height": 800} if request.node.get_closest_marker("phone") else {"width": 1400, "height": 950}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=size, accept_downloads=True)
        page.set_default_timeout(WAIT)
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(app[0])
        page.wait_for_selector("#chat")
        page.wait_for_function("() => window.__newsragKeys")  # the page's key handling is in place
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
    """Click [n] in answer `turn`; the focused mark in the source panel."""
    page.locator(f"#chat a.cite[href='#cite-{turn}-{n}']").first.click()
    mark = page.locator("#source-panel mark.focus")
    page.wait_for_function(
        "(n) => { const m = document.querySelector('#source-panel mark.focus');"
        "         return m && m.dataset.n.split(' ').includes(String(n)); }", arg=n)
    return mark


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
    """Keep first: the server's first question. The model and BM25 snapshot load before the page
    answers at all, so the first answer takes about as long as a warm one."""
    send_timed(page, "What did Russia demand?", 0)
    typed = "What did Lavrov say about the talks, and when?"
    page.keyboard.type(typed, delay=30)  # right after Enter, while the answer is on its way
    first = answer_seconds(page, 0)
    assert page.input_value("#question textarea") == typed  # every key kept, nothing wiped
    assert page.locator("#chat .message-row, #chat [data-testid='user']").count() >= 1
    page.press("#question textarea", "Enter")
    finished_answer(page, 1)
    assert page.input_value("#question textarea") == ""
    page.click("#clear")  # the same first question again, warm and without history
    page.wait_for_function("() => !document.querySelector('#chat .answer-end')")
    send_timed(page, "What did Russia demand?", 0)
    warm = answer_seconds(page, 0)
    (shots / "timings.json").write_text(json.dumps({"first_answer_s": round(first, 2), "warm_answer_s": round(warm, 2)}))
    print(f"first answer {first:.2f} s, warm answer {warm:.2f} s")
    assert first < warm + 2.0, (first, warm)  # loading the model took 8 s on the first question before


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


def test_export_quotes_every_cited_span_verbatim(app, page, shots):
    questions = ["What did Russia demand?", "Which TV channel interviewed Lavrov?"]
    for turn, q in enumerate(questions):
        ask(page, q, turn)
    with page.expect_download() as got:
        page.click("#export-all")
    text = open(got.value.path(), encoding="utf-8").read()
    (shots / "conversation.md").write_text(text, encoding="utf-8")
    footnotes = 0
    for q in questions:
        want = expected(app[0], q)
        assert q in text
        for c in want["citations"]:
            footnotes += 1
            assert f"“{c['text']}” — {c['title']} ({c['source']}" in text  # verbatim, with title and file
    # every footnote defined once and used in the text (a short answer may cite its sentence's footnote again)
    for n in range(1, footnotes + 1):
        assert text.count(f"[^{n}]: ") == 1 and text.count(f"[^{n}]") >= 2
    assert f"[^{footnotes + 1}]" not in text
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
        document.querySelectorAll('.progress-level, .progress-text').length); })
        .observe(document.body, {childList: true, subtree: true}); }""")
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


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    panel = page.locator("#source-panel .source-panel").bounding_box()
    return bool(box and panel and box["y"] >= panel["y"] - 1 and box["y"] < panel["y"] + panel["height"])
