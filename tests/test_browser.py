"""End to end in Debian's Chromium (Playwright): ask, click a citation, follow up, upload, XSS.

The app runs as `newsrag serve` in a subprocess over a data folder in tmp holding the five
articles. Screenshots go to the session's temp folder (the `output` fixture), under browser/.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ARTICLES, BIN, free_port, running

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
def page(app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.set_default_timeout(WAIT)
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(app[0])
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


def test_upload_then_ask_and_xss_stays_inert(app, page, shots, tmp_path):
    good = tmp_path / "zorblatt festival.txt"
    good.write_text(FESTIVAL, encoding="utf-8")
    evil = tmp_path / "glimmerfen.md"
    evil.write_text(XSS, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    page.click("#articles-box button, #articles-box .label-wrap")
    page.locator("#upload input[type=file]").set_input_files([str(good), str(evil), str(empty)])
    status = page.locator("#upload-status")
    page.wait_for_function("() => document.querySelector('#upload-status').innerText.includes('empty.txt')")
    assert "zorblatt_festival.txt: added" in status.inner_text()
    assert "glimmerfen.md: added" in status.inner_text()
    assert "empty.txt: empty file" in status.inner_text()
    page.wait_for_function("() => document.querySelector('#article-list').innerText.includes('glimmerfen.md')")
    page.screenshot(path=str(shots / "03-upload.png"))

    answer = ask(page, "Where will the Zorblatt Lantern Festival be held?", 0)
    assert "Quillmere" in answer
    mark = click_citation(page, 0, 1)
    assert "Quillmere" in mark.text_content()
    assert page.locator("#source-panel .source-card[data-source='zorblatt_festival.txt']").count() == 1

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

    page.locator("#remove-pick input").fill("zorblatt")  # remove an article from the page
    page.get_by_role("option", name="zorblatt_festival.txt").click()
    page.click("#remove")
    page.wait_for_function("() => !document.querySelector('#article-list').innerText.includes('zorblatt')")
    assert "zorblatt_festival.txt: removed" in page.locator("#upload-status").inner_text()


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    panel = page.locator("#source-panel .source-panel").bounding_box()
    return bool(box and panel and box["y"] >= panel["y"] - 1 and box["y"] < panel["y"] + panel["height"])
