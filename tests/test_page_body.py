"""Every real page's body is read whole and nothing else: the stored text holds trafilatura's main text,
less the page furniture, and adds nothing trafilatura drops; small synthetic pages pin each furniture rule."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import trafilatura

from conftest import shared_pages
from newsrag.errors import InputError
from newsrag.index.clean import clean
from newsrag.index.furniture import spans
from newsrag.index.load import Document, load, parse

MIN_RECALL = 0.95  # of trafilatura's sentences, in the stored text
MIN_INDEXED = 0.90  # of them, in what is chunked and citable (short subheads are left out by clean.py)
UNEXTRACTABLE = 500  # characters: a page whose main text trafilatura cannot find is refused, with a reason

# Lines of furniture each page shows, verified by reading the page: teasers, recirculation lists, share
# and follow bars, "Read more" links, caption credits, the <title> and screen-reader notices. Several
# of them trafilatura keeps as main text; none may be in our stored text.
FURNITURE = {
    "abc.net.au.sport-swimming-funding-cuts.html": [
        "Source: PM | Duration: 3min 13sec", "Topics: olympics-summer, swimming, australia"],
    "al.com.local-debit-card-skimming.html": ["skimming scheme seized cash and cards.jpg", "(Mike Cason/mcason@al.com)"],
    "bbc.co.uk.politics-obama-gun-laws.html": [
        "Obama admits US gun laws are his 'biggest frustration' - BBC News", "941 comments",
        "From the section US & Canada", "Read the full transcript of his interview", "24 July 2015",
        "Five things we learned from Obama interview"],
    "boingboing.net.millenials.html": [
        "The good folks at Choir! Choir! Choir! (previously) are still doing their thing",
        "Jen Wang (previously) is several kinds of excellent comics person",
        "The latest podcast from the Canadaland network (previously) is Dynasties",
        "Want to build your own website? Even for a modest personal site",
        "It’s a long road from a song in your head to a song on the charts",
        "If you’ve worked in any high-performing engineering lab, you already know about MATLAB."],
    "cbc.ca.business-housing-market.html": [  # a section kicker and status above the headline; the dateline
        "from last year | CBC News Loaded", "Business· Updated", "Posted: Oct 14, 2022"],
    "dw.com.colonial.html": [
        "Read more: Recognizing Germany colonial crimes: Work in progress",
        "Read more: Looted colonial art: Germany to set up new contact office",
        "Keywords Berlin, colonialism, German Reich, Africa, Wedding", "Feedback: Send us your feedback.",
        "Print Print this page", "Permalink https://p.dw.com/p/3WRPd"],
    "dw.com.uncork.html": [
        "Keywords wine, frühburgunder, Ahr", "Related Subjects German Wine Route", "Print Print this page",
        "Permalink https://p.dw.com/p/18l3T"],
    "heraldsun.com.au.politics-data-retention-bill.html": [
        "Other Opinion Columns", "Editorial Fraser’s lasting legacy",
        "MALCOLM Fraser — an effective prime minister controversially installed",
        "Wave of stupidity Doctor knows best, not Starbeam Fantapants", "Ikea challenge Good for some, but I’m not buying it",
        "True liberal Ex-PM a man of contrasts", "Own backyard Let’s make local issues a priority",
        "JOE HILDEBRAND HOW is it that ideas", "SUSIE O’BRIEN THE good thing about Ikea",
        "LAURIE OAKES IT was said that Malcolm Fraser moved", "TOM ELLIOTT IT’S nice to think Australia"],
    "money.cnn.com.business-ohare-airport-strike.html": [
        "Related: Chicago O'Hare airport workers plan strike November 29",
        "Get up-to-the-minute updates: Download CNN MoneyStream"],
    "nationalgeographic.co.uk.goats.html": ["Monday, 6 January 2020"],  # the deck's dateline
    "nationalgeographic.com.science-office-temperature.html": [
        "On Twitter: Follow Wendy Koch and get more environment and energy coverage at NatGeoEnergy."],
    "phys.org.tool.html": [  # a date and kind label above the article; the print-only citation block
        "October 22, 2019 report", "(2019, October 22) retrieved 20 January 2020", "© 2019 Science X Network"],
    "reuters.com.business-fed-rate-hike.html": ["Our Standards: The Thomson Reuters Trust Principles."],
    "reuters.com.parasite.html": ["Our Standards: The Thomson Reuters Trust Principles."],
    "salon.com.emissions.html": ["(Credit: Clayton Aldern / Grist)"],
    "time.com.science-hansen-geoengineering.html": [
        "Read more: A Controversial Technology Is Creating an Unprecedented Rift Among Climate Scientists",
        "Read more: Inside a Controversial Startup's Risky Attempt to Control Our Climate",
        "More Must-Reads From TIME", "The Struggle to Save Lives Inside Gaza’s Hospitals",
        "Volodymyr Zelensky’s Struggle to Keep Ukraine in the Fight", "Sheikh Hasina and the Future of Democracy",
        "The War Is Making Americans Question Their Relationships", "Is Using the Snooze Button Bad for You?",
        "Zooey Zephyr: The Love Story of My Chosen Family", "The Best Inventions of 2023",
        "Want Weekly Recs on What to Watch, Read, and More? Sign Up for Worth Your Time"],
    "vancouversun.com.business-microsoft-carbon.html": ["© Thomson Reuters 2020"],
    "timesofindia.indiatimes.com.politics-china-kashmir.html": [
        "FOLLOW US ON SOCIAL MEDIA", "Facebook Twitter Instagram KOO APP YOUTUBE", "Start a Conversation",
        "Read this story in Bengali", "Watch India, Pakistan should take bilateral route to resolve all disputes",
        "This story is from October 9, 2019"],
    "washingtonpost.com.world-tunisia-museum-attack.html": [
        "[Read: Why Tunisia, Arab Spring’s sole success story, suffers from Islamist violence]",
        "[ Bardo museum houses amazing Roman treasures]", "[Read: Tunisia sends most foreign fighters to Islamic State",
        "Read more:", "Tunisia’s Islamists get a sobering lesson in governing",
        "Share on Facebook Share on Twitter"],
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"”’')\]])\s+")
_BULLET = re.compile(r"^\s*[-*•]\s+")


def squeeze(text: str) -> str:
    """Text as compared: without whitespace, lowercased (an inline tag may leave a space or take one)."""
    return "".join(text.split()).lower()


def sentences(text: str) -> list[str]:
    """trafilatura's text as sentences: its lines (list bullets dropped), cut after . ! or ?."""
    out = []
    for line in text.splitlines():
        out += [s for s in _SENTENCE_END.split(_BULLET.sub("", line)) if len(squeeze(s)) >= 3]
    return out


@lru_cache(maxsize=None)
def read(name: str) -> tuple[str, Document | str]:
    """(trafilatura's main text, our document or the one-line reason we refused the page)."""
    path = shared_pages(name)[0]
    reference = trafilatura.extract(path.read_text(encoding="utf-8"), include_comments=False) or ""
    try:
        return reference, load(path, name)
    except InputError as e:
        return reference, str(e)


def recall(reference: str, stored: str, furniture: list[str]) -> tuple[float, int]:
    """Share of trafilatura's article sentences (those of lines holding no furniture) found in `stored`; how many."""
    junk = [squeeze(f) for f in furniture]
    article = "\n".join(line for line in reference.splitlines() if not any(j in squeeze(line) for j in junk))
    wanted = sentences(article)
    found = squeeze(stored)
    return sum(squeeze(s) in found for s in wanted) / max(len(wanted), 1), len(wanted)


def test_every_page_keeps_its_body_or_says_why_not(capsys):
    """Per page: recall of trafilatura's sentences in the stored text and in the indexed view (printed)."""
    rows, low = [], []
    for path in shared_pages():
        reference, doc = read(path.name)
        if isinstance(doc, str):
            rows.append(f"{path.name:58} refused: {doc}")
            if len(reference) >= UNEXTRACTABLE or "\n" in doc:
                low.append(path.name)
            continue
        furniture = FURNITURE.get(path.name, [])
        stored, n = recall(reference, doc.text, furniture)
        indexed, _ = recall(reference, clean(doc).view, furniture)
        rows.append(f"{path.name:58} stored {stored:.3f}  indexed {indexed:.3f}  of {n} sentences")
        if stored < MIN_RECALL or indexed < MIN_INDEXED:
            low.append(path.name)
    with capsys.disabled():
        print("\nbody recall of trafilatura's main text\n" + "\n".join(rows))
    assert not low, "\n".join(rows)


@pytest.mark.parametrize("name", sorted(FURNITURE))
def test_no_furniture_line_is_stored(name):
    _, doc = read(name)
    assert not isinstance(doc, str), doc
    stored = squeeze(doc.text)
    assert [line for line in FURNITURE[name] if squeeze(line) in stored] == []


def test_we_store_no_line_trafilatura_drops():
    """Each stored line is part of trafilatura's main text: what trafilatura leaves out (menus, banners,
    keyword lists, print and feedback links, the browser tab's title) never reaches the index. The one line
    we add is the byline ("By Jon Porter"), which trafilatura drops and "Who wrote it?" cites."""
    added = {}
    for path in shared_pages():
        reference, doc = read(path.name)
        if isinstance(doc, str):
            continue
        kept, byline = squeeze(reference), squeeze(doc.meta.get("author", "")) or None
        extra = [line for line in doc.text.splitlines()
                 if squeeze(line) and squeeze(line) not in kept and not (byline and byline in squeeze(line))]
        if extra:
            added[path.name] = extra
    assert added == {}


def test_every_furniture_page_is_a_shared_page():
    assert set(FURNITURE) <= {p.name for p in shared_pages()}


# -- the rules, on small pages we write ------------------------------------------------------------
LEAD = "<p>The harbour council approved the new ferry line on Tuesday after a debate that ran late into the night.</p>"
BODY = LEAD + "".join(f"<p>Ferry sentence {i} says the line will run hourly from the old pier to the island.</p>"
                      for i in range(8))


def stored(body: str, head: str = "<title>Ferry</title>") -> str:
    return parse(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>", "ferry.html",
                 min_html_chars=0).text


@pytest.mark.parametrize("furniture, gone", [
    ('<div class="related-stories"><p>Bus fares rise again as the council approves its new budget for the year.</p></div>',
     "Bus fares rise"),
    ('<div><h3><a href="/bus">Bus fares rise again</a></h3><p>The council approves its budget, and fares go up by '
     'a tenth from May for every route.</p></div>', "The council approves its budget"),
    ('<p>Read more: <a href="/bus">Bus fares rise again as the council approves its budget</a></p>', "Bus fares rise"),
    ('<p><em>For more, read: <a href="/bus">Bus fares rise again as the council approves its budget</a></em></p>',
     "Bus fares rise"),  # Fortune
    ('<p><b>Read more:</b></p><p><a href="/bus">Bus fares rise again as the council approves its budget</a></p>',
     "Bus fares rise"),
    ('<figure><img src="x.jpg"><figcaption><span>(Credit: Jane Doe / Harbour Post)</span></figcaption></figure>',
     "Jane Doe"),
    ('<div role="alert">Ferry line approved | Harbour Post Loaded</div>', "Loaded"),
    ('<p>The ferry runs hourly.<br><a href="/video">Watch the first crossing of the new harbour ferry</a><br></p>',
     "Watch the first"),
    ('<p><a href="https://app.example"><span>Get ferry news as it happens: Download the Harbour app</span></a></p>',
     "Download the Harbour app"),
    ('<p><i>On Twitter: Follow </i><a href="https://x.example/jd">Jane Doe</a><i> and get more harbour coverage.</i></p>',
     "Follow Jane Doe"),
    ('<div class="meta"><div>Posted: Oct 14, 2022 9:27 AM ET | Last Updated: 24 minutes ago</div></div>', "Posted"),
    ('<ul><li>24 July 2015</li><li>From the section Harbour</li></ul>', "24 July 2015"),
    # another story of the same site, its headline a paragraph of its own (NY Daily News, BBC News)
    ('<p> <a class="ra-related" href="/news/bus-fares-rise">Bus fares rise again as the council approves its budget</a></p>',
     "Bus fares rise"),
])
def test_furniture_in_a_page_is_not_stored(furniture, gone):
    text = stored(BODY + furniture + "<p>The first ferry sails in June, the council said after the vote was counted.</p>")
    assert "The first ferry sails in June" in text and "Ferry sentence 7" in text
    assert gone not in text


def test_an_article_inside_a_container_named_like_furniture_is_kept():
    """The lead is never furniture: a page may wrap its whole body in `<div class="sidebar-layout">`."""
    raw = f'<html><body><div class="sidebar-layout">{BODY}</div></body></html>'
    assert spans(raw, raw.index("The harbour council")) == []
    assert "The harbour council approved" in stored(f'<div class="sidebar-layout">{BODY}</div>')


def test_a_label_before_an_ordinary_list_stays():
    items = "".join(f"<li>Stop {i} is on the north side of the bay, by the pier where the boats land.</li>" for i in range(3))
    text = stored(f"<article>{LEAD}<p>The stops along the route are these:</p><ul>{items}</ul>{BODY}</article>")
    assert "The stops along the route are these:" in text and "Stop 2 is on the north side" in text


def test_the_browser_tab_title_is_not_article_text():
    assert "Harbour Post" not in stored(BODY, "<title>Ferry line approved - Harbour Post</title>")


def test_a_wholly_linked_sentence_and_a_link_to_another_site_stay():
    """A paragraph that is nothing but a link is another story of the site only when it reads as a headline
    (no sentence end) and stays on the site; a blog's "Click through" link to another outlet is the post."""
    head = '<title>Ferry</title><link rel="canonical" href="https://www.harbourpost.co.uk/ferry">'
    linked = ('<p><a href="https://harbourpost.com/report">The council published the full ferry report on '
              'Monday.</a></p><p><a href="https://www.cnn.com/ferries">The generation that loves ferries</a></p>'
              '<p><a href="https://www.harbourpost.co.uk/bus">Bus fares rise again in the spring</a></p>')
    text = stored(f"<article>{LEAD}{linked}{BODY}</article>", head)
    assert "The council published the full ferry report on Monday." in text
    assert "The generation that loves ferries" in text and "Bus fares rise" not in text


def test_a_link_inside_a_sentence_stays():
    said = ('<p>The council said residents can <a href="/report">read the full ferry report</a> at the library '
            'from Monday, along with the timetable.</p>')
    assert "read the full ferry report at the library" in stored(f"<article>{LEAD}{said}{BODY}</article>")


def test_a_kicker_above_the_headline_and_the_deck_s_date_are_not_stored():
    """Short lines above the article's <h1> (a section link and "Updated") and a date the page marks as its
    date inside the deck are no article text; the headline and the deck are."""
    kicker = '<span class="label"><a href="/business">Business</a><span>·</span><span>Updated</span></span>'
    deck = '<h2>Why the ferry came back<span class="deck__date">Monday, 6 January 2020</span></h2>'
    text = stored(f"<article>{kicker}<h1>Harbour ferry line approved</h1>{deck}{BODY}</article>")
    assert "Harbour ferry line approved" in text and "Why the ferry came back" in text
    assert "Updated" not in text and "6 January 2020" not in text


def test_a_date_or_a_call_to_action_inside_a_sentence_stays():
    said = ('<p>The council voted on <span>6 January 2020</span> to run the ferry, and residents can '
            '<a href="/follow">follow the debate</a> online.</p>'
            '<p>The mayor said: <a href="/read">read the report</a>.</p>')
    text = stored(f"<article>{LEAD}{said}{BODY}</article>")
    assert "voted on 6 January 2020 to run the ferry" in text and "The mayor said: read the report." in text
