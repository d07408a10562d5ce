"""Retake the chat's screenshots from a running chat (Debian's Chromium):

    python docs/screenshot.py http://127.0.0.1:7860/ [out.png] [WxH] [answer|filters]

`answer` (the default) asks the first example question and, on a wide screen, clicks its second
citation; on a phone (narrower than 700 px) it leaves the answer in view with the pinned question box.
`filters` opens the filter panel, types dates as people do and picks an outlet the index knows.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def answer(page, width: int) -> None:
    page.get_by_text("What did Russia demand?").first.click()
    page.wait_for_selector("#chat .answer-end", state="attached")
    if width >= 700:
        page.locator("#chat a.cite[href='#cite-0-2']").first.click()
        page.wait_for_selector("#source-panel mark.focus")
    page.wait_for_timeout(1500)  # let the highlight flash settle


def filters(page, width: int) -> None:
    page.click("#filter-toggle")
    page.fill("#f-since textarea, #f-since input", "March 2020")
    page.fill("#f-until textarea, #f-until input", "2020-02-30")
    page.click("#f-outlet input")
    options = page.locator("#f-outlet li[role=option]")
    if options.count():
        options.first.click()
        page.keyboard.press("Escape")
    page.wait_for_selector("#f-until-note .date-note.bad")
    page.wait_for_timeout(800)


def main(url: str, out: Path = Path(__file__).with_name("screenshot.png"), size: str = "1400x900",
         scene: str = "answer") -> None:
    width, height = (int(x) for x in size.split("x"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.set_default_timeout(60_000)
        page.goto(url)
        page.wait_for_function("() => window.__newsragKeys")
        {"answer": answer, "filters": filters}[scene](page, width)
        page.screenshot(path=str(out))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860/", *sys.argv[2:5])
