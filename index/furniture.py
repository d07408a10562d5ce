"""Page furniture in an HTML page: the spans of teasers, recirculation lists, share bars and ad slots.

Readers and extractors alike recognise furniture by the page's structure rather than by its words:
- a container the page itself names as furniture in its class or id ("related", "recirc", "sidebar",
  "promo", "teaser", "share", "advert", ...; readability's "unlikely candidates");
- a teaser: a heading that is wholly a link to another page, together with the few lines that come
  with it in its container (a summary, a "read the rest" link), and a run of such teasers;
- a "Read more:" label and the lines of nothing but a link after it;
- a "Read more: <link>" or "Related: <link>" line: a short label and a colon, then mostly a link; a list
  of nothing but links; an image's file name or a caption's credit standing alone ("cash and cards.jpg", "(Credit: ... / Grist)");
- a link alone on its line that sends the reader elsewhere ("Read this story in Bengali", "Watch …");
- a paragraph that is nothing but a link to the same site and reads as a headline (no sentence end):
  another of the site's stories set between the article's paragraphs (a link to another site stays:
  a blog's "Click through" link is the post);
- what the page marks as no part of the article (`role="alert"`, `aria-hidden`, `display: none`, print-only).
A span that holds the article's lead (`lead`, an offset into the page) is never furniture, so a page
whose whole body sits in `<div class="story-sidebar-layout">` keeps its article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlparse

_FURNITURE_ANYWHERE = r"social|outbrain|taboola|recirc|newsletter|sidebar"  # even inside a word: "bottomsocialshare"
_FURNITURE_DATA = re.compile(_FURNITURE_ANYWHERE, re.I)  # for data-* attribute names: data-bottomsocialshare
_FURNITURE = re.compile(
    _FURNITURE_ANYWHERE + r"|(?:^|[\s_-])(?:related|recirc\w*|more-?stories|nextstory|next-post\w*|teasers?|promo\w*|sidebar|widget"
    r"|recommend\w*|trending|most-?(?:read|popular)|newsletter\w*|outbrain|taboola|share|sharing|social"
    r"|advert\w*|ads?|ad-\w+|sponsor\w*|breadcrumbs?|tags?|keywords|caption-credit|credits?|d-none|print-only)(?:$|[\s_-])",
    re.I,
)
_HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
_CONTAINERS = {"div", "section", "aside", "li", "ul", "ol", "article", "figure", "p", "span", "table"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_RAW = {"script", "style", "template", "noscript", "svg"}
# "Read more: ...", "Related: ...", "[Read: ...]", "[ Bardo museum houses amazing Roman treasures]"
_LABEL = re.compile(r"^\W*(?:\w+,? ){0,2}\w+\s*:|^\[[^\]]*\]$")
# a caption's credit standing alone: "(Credit: Clayton Aldern / Grist)", "(Mike Cason/mcason@al.com)", "Photo: AP"
# and a copyright line: "© 2019 Science X Network"
_CREDIT = re.compile(r"^\(?(?:photo|image|picture|credit|courtesy)s?\b[^()]{0,80}\)?$|^\([^()/]{2,60}/[^()/]{2,60}\)$"
                     r"|^(?:©|\(c\)|copyright\b).{0,80}$", re.I)
_FILE_NAME = re.compile(r"^\S[^\n]{0,100}\.(?:jpe?g|png|gif|webp)$", re.I)
_NOT_CONTENT = re.compile(r"""\b(?:role\s*=\s*["']?(?:alert|status|navigation|banner|complementary|contentinfo)\b"""
                          r"""|aria-hidden\s*=\s*["']?true\b|style\s*=\s*["'][^"']*display\s*:\s*none)""", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")  # a sentence ends here; a headline does not
_CANONICAL = re.compile(r"""<(?:link[^>]*\brel=["']?canonical["']?[^>]*\bhref|meta[^>]*\bproperty=["']?og:url["']?[^>]*\bcontent)"""
                        r"""=["']?([^"'\s>]+)""", re.I)  # the page's own address: the site its links stay on or leave
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu"}
_LABEL_ONLY = re.compile(r"^(?:\w+ ){0,2}\w+:$")  # "Read more:" alone on its line
_NAVIGATE = re.compile(r"^(?:read|watch|listen|follow|download|subscribe|sign up|click)\b", re.I)
# a call to action after a short label: "On Twitter: Follow …", "Get up-to-the-minute updates: Download …"
_CALL = re.compile(r"^(?!.*\b(?:said|says|told|added|wrote|asked)\s*:)(?:[\w'’-]+ ){0,5}[\w'’-]+\s*:\s*"
                   r"(?:read|watch|listen|follow|download|subscribe|sign up|click|visit|join|like us)\b", re.I)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_WHEN = (rf"(?:{_DAY}(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
         r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})"
         r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?"
         r"|\d+\s+(?:second|minute|hour|day|week)s?\s+ago)")
# a date line: "24 July 2015", "Monday, 6 January 2020", "Posted: Oct 14, 2022 9:27 AM ET | Last Updated: 24 minutes ago"
_DATE_LINE = re.compile(rf"^(?:(?:(?:first\s+|last\s+)?(?:posted|published|updated|modified)(?:\s+on)?\s*:?\s*)?{_WHEN}"
                        r"\s*(?:[|·•,]\s*|$))+$", re.I)
_DATE_NAMES = re.compile(r"(?:^|[\s_-])(?:date\w*|time(?:stamp)?|dateline|published|updated)(?:$|[\s_-])", re.I)
_DATE_TAGS = {"p", "div", "li", "span", "time", "small", "figcaption", "h2", "h3", "h4", "h5", "h6"}
_HEAD_CHARS = 120
_SHORT = {"p", "li", "div", "figcaption", "span", "small", "em", "i", "cite"}  # where a credit may stand alone
TEASER_CHARS = 700  # a teaser (headline, summary, "read the rest") is shorter than this


@dataclass
class _Element:
    tag: str
    start: int
    names: str
    text: int = 0  # visible characters (no whitespace) inside
    link: int = 0  # of which inside a link
    head: str = ""  # its text's first characters
    tail: str = ""  # its last piece of text
    away: int = 0  # of its link characters, those of links to another site
    href: str = ""  # a link's target
    hidden: bool = False  # marked as no content: role="alert", aria-hidden="true"
    teasers: int = 0  # link headings inside
    furniture: bool = False  # decided from its siblings: a link line after a "Read more:" label
    links_follow: bool = False  # its last child was a "Read more:" label or a link line after one
    label: "_Element | None" = None  # that label, furniture once a link line follows it


class _Scanner(HTMLParser):
    """Elements with their offsets in the page: a tolerant stack (an unclosed <p> closes with its parent)."""

    def __init__(self, raw: str):
        super().__init__(convert_charrefs=True)
        self.raw = raw
        self.lines = [0] + [m.end() for m in re.finditer("\n", raw)]
        self.stack: list[_Element] = []
        self.spans: list[tuple[_Element, int]] = []  # closed elements with their end offsets
        self.raw_depth = 0
        address = _CANONICAL.search(raw)
        self.site = _site(address.group(1)) if address else ""

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.lines[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        if tag in _RAW:
            self.raw_depth += 1
        names = " ".join(v for k, v in attrs if k in ("class", "id") and v)
        start = self._pos()
        hidden = bool(_NOT_CONTENT.search(self.get_starttag_text() or "")) or any(
            k.startswith("data-") and _FURNITURE_DATA.search(k) for k, _ in attrs)
        href = next((v for k, v in attrs if k == "href" and v), "") if tag == "a" else ""
        self.stack.append(_Element(tag, start, names, hidden=hidden, href=href))

    def handle_endtag(self, tag):
        if not any(e.tag == tag for e in self.stack):
            return
        end = self.raw.find(">", self._pos()) + 1 or len(self.raw)
        while self.stack:
            el = self.stack.pop()
            self._close(el, end)
            if el.tag == tag:
                break

    def _close(self, el: _Element, end: int) -> None:
        if el.tag in _RAW:
            self.raw_depth -= 1
        if el.tag in _HEADINGS and el.text and el.link >= 0.6 * el.text:
            el.teasers = 1
        if self.stack:
            self._after_sibling(self.stack[-1], el)
        self.spans.append((el, end))

    @staticmethod
    def _after_sibling(parent: _Element, el: _Element) -> None:
        parent.teasers += el.teasers
        if not el.text:
            return
        if not el.link and _LABEL_ONLY.match(el.head):
            parent.label, parent.links_follow = el, True
        elif parent.links_follow and el.link >= 0.9 * el.text:
            el.furniture = True
            if parent.label is not None:
                parent.label.furniture, parent.label = True, None
        else:
            parent.label, parent.links_follow = None, False

    def handle_data(self, data):
        n = len("".join(data.split()))
        if not n or self.raw_depth:
            return
        link = next((e for e in reversed(self.stack) if e.tag == "a"), None)
        away = link is not None and _away(link.href, self.site)
        for el in self.stack:
            el.text += n
            if link is not None:
                el.link += n
                el.away += n if away else 0
            if len(el.head) < _HEAD_CHARS:
                el.head = " ".join(f"{el.head} {data}".split())
            el.tail = data.strip()

    def close(self):
        super().close()
        end = len(self.raw)
        while self.stack:
            self._close(self.stack.pop(), end)


def spans(raw: str, lead: int | None = None, view: str | None = None) -> list[tuple[int, int]]:
    """The (start, end) offsets in `raw` of its furniture, outermost only; none holds the offset `lead`.
    With the page's `view` (same offsets, tags blanked), a link alone on its line that only sends the reader
    elsewhere ("Read this story in Bengali", "Watch …") is furniture too."""
    scanner = _Scanner(raw)
    try:
        scanner.feed(raw)
        scanner.close()
    except Exception:  # a page the parser chokes on simply has no furniture we can find
        return []
    found = [(el.start, end) for el, end in scanner.spans
             if (_is_furniture(el) or (view is not None and _navigates(el, end, view)))
             and not (lead is not None and el.start <= lead < end)]
    return _outermost(found)


def _navigates(el: _Element, end: int, view: str) -> bool:
    if el.tag != "a" or not _NAVIGATE.match(el.head):
        return False
    line_start, line_end = view.rfind("\n", 0, el.start) + 1, view.find("\n", end)
    return not view[line_start:el.start].strip() and not view[end:line_end if line_end >= 0 else len(view)].strip()


def _is_furniture(el: _Element) -> bool:
    if el.furniture or el.hidden or (el.tag in _CONTAINERS and el.names and _FURNITURE.search(el.names)):
        return True
    if el.teasers and el.tag in _CONTAINERS | _HEADINGS and el.text <= TEASER_CHARS * el.teasers:
        return True
    if el.tag in ("ul", "ol") and el.text and el.link >= 0.9 * el.text:
        return True
    if el.tag in _SHORT and el.text and el.text <= _HEAD_CHARS and _CREDIT.match(el.head):
        return True
    if el.text and el.text <= _HEAD_CHARS and _is_date_line(el):
        return True
    if el.tag in ("p", "li", "div") and el.link and el.text <= _HEAD_CHARS and _CALL.match(el.head):
        return True
    if (el.tag in ("p", "li") and el.text and el.text <= _HEAD_CHARS and el.link >= 0.95 * el.text
            and not el.away and not _SENTENCE_END.search(el.tail)):
        return True  # a headline that is wholly a link to the same site: another of its stories
    if el.tag in ("p", "li", "div", "figcaption") and el.text and el.text <= _HEAD_CHARS:
        return bool(_FILE_NAME.match(el.head)) or (el.link >= 0.6 * el.text and bool(_LABEL.match(el.head)))
    return el.tag in ("p", "li") and el.text and el.link >= 0.6 * el.text and bool(_LABEL.match(el.head))


def _site(url: str) -> str:
    """The site's name in a URL: "bbc" for www.bbc.co.uk and bbc.com ("" for a relative link)."""
    labels = (urlparse(url.strip()).hostname or "").split(".")
    if len(labels) > 1:
        labels.pop()  # com, uk, au...
        if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:  # co.uk, net.au...
            labels.pop()
    return labels[-1]


def _away(href: str, site: str) -> bool:
    """The link leaves the page's site (a relative link never does; without a known site, any absolute one does)."""
    target = _site(href) if href.lower().startswith(("http:", "https:", "//")) else ""
    return bool(target) and target != site


def _is_date_line(el: _Element) -> bool:
    """A date standing as its own line (a block that is nothing but a date), or an element the page names
    as its date ("ngart-hl__date", `<time>`) even inside a heading: a dateline, never article text."""
    if el.tag not in _DATE_TAGS or not _DATE_LINE.match(el.head):
        return False
    return el.tag in ("p", "div", "li", "time") or bool(_DATE_NAMES.search(el.names))


def _outermost(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda s: (s[0], -s[1])):
        if out and start < out[-1][1]:
            continue
        out.append((start, end))
    return out
