"""Retake docs/screenshot.png from a running chat: `python docs/screenshot.py http://127.0.0.1:7860/ [out.png] [WxH]`.

Asks the first example question, clicks its second citation and captures the page (Debian's Chromium).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def main(url: str, out: Path = Path(__file__).with_name("screenshot.png"), size: str = "1400x900") -> None:
    width, height = (int(x) for x in size.split("x"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.set_default_timeout(60_000)
        page.goto(url)
        page.get_by_text("What did Russia demand?").first.click()
        page.wait_for_selector("#chat .answer-end", state="attached")
        page.locator("#chat a.cite[href='#cite-0-2']").first.click()
        page.wait_for_selector("#source-panel mark.focus")
        page.wait_for_timeout(1500)  # let the highlight flash settle
        page.screenshot(path=str(out))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860/", *sys.argv[2:3], *sys.argv[3:4])
