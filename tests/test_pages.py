"""Real pages read right: each page's title is its own headline, never a banner or a site name; a line break
inside a paragraph (a hard-wrapped page or text file) is not a sentence boundary."""

from __future__ import annotations

import pytest

from conftest import shared_pages
from newsrag.index.chunk import chunk
from newsrag.index.clean import clean
from newsrag.index.load import parse
from newsrag.index.meta import from_html

# Every page in ../shared/data/html and the headline it shows its readers.
TITLES = {
    "abc.net.au.sport-swimming-funding-cuts.html": "Swimming greats say cuts a shame",
    "al.com.local-debit-card-skimming.html": "Two arrested in multi-state debit card skimming scheme",
    "bbc.co.uk.politics-obama-gun-laws.html": "Obama admits US gun laws are his 'biggest frustration'",
    "boingboing.net.millenials.html": "Hating Millennials - the prejudice you're allowed to boast about",
    "cbc.ca.business-housing-market.html":
        "Housing market slowdown continues with sales and average prices well down from last year",
    "dw.com.colonial.html": "Berlin confronts Germany's colonial past with new initiative",
    "dw.com.uncork.html": "Uncork the mystery of Germany's Frühburgunder",
    "espn.com.sport-saban-meyer-agents.html": "Hill: Meyer, Saban grandstanding about agents",
    "heraldsun.com.au.politics-data-retention-bill.html": "Angry media won’t buckle over new surveillance laws",
    "kulu-media.com.meta-outage.html": "Meta Outage Hits Facebook, Instagram and Messenger Worldwide",
    "medicalnewstoday.com.science-aha-moment.html":
        "How does the brain turn unconscious information into conscious thought?",
    "money.cnn.com.business-ohare-airport-strike.html": "Hundreds of Chicago O'Hare airport workers go on strike",
    "nationalgeographic.co.uk.goats.html":
        "Ravenous wild goats ruled this island for over a century. Now, it's being reborn.",
    "nationalgeographic.com.science-office-temperature.html":
        "Here’s Why Your Office May Be Too Hot or Cold: Gender Bias",
    "nature.com.telescope.html": "Gigantic Chinese telescope opens to astronomers worldwide",
    "npr.org.justice-dylann-roof-verdict.html": "Jury Finds Dylann Roof Guilty In S.C. Church Shooting",
    "phys.org.tool.html":
        "Flint flake tool partially covered by birch tar adds to evidence of Neanderthal complex thinking",
    "qz.com.business-nigeria-economy.html":
        "Nigeria’s economy is making a comeback—but it’s still not happening fast enough",
    "reuters.com.business-fed-rate-hike.html": "Fed lifts rates, sees faster pace of hikes in Trump's first year",
    "reuters.com.parasite.html": "'Parasite' scores historic upset at SAG awards, boosting Oscar chances",
    "salon.com.emissions.html": "Despite everything, U.S. emissions dipped in 2019",
    "sandiegouniontribune.com.local-sdsu-stadium.html": "SDSU wants well-versed operator to run Mission Valley stadium",
    "sbnation.com.sport-red-sox-chris-sale.html":
        "The Red Sox traded for Chris Sale, and they’re going to be ridiculously loaded for a long time",
    "scmp.com.playbook.html": "Carrie Lam should study Tsai Ing-wen’s playbook",
    "seattletimes.com.local-halibut-whole-foods.html":
        "Alaskan halibut, caught by a century-old Seattle boat, provides a glimpse of Amazon’s strategy with Whole Foods",
    "telegraph.co.uk.world-zimbabwe-coup.html":
        "Zimbabwe coup: Robert Mugabe and wife Grace 'insisting he finishes his term', as priest steps in to mediate",
    "theverge.com.ios13.html": "iOS 13 will fix the FaceTime eye contact problem",
    "time.com.science-hansen-geoengineering.html":
        "We Need Geoengineering to Stop Out of Control Warming Says James Hansen",
    "timesofindia.indiatimes.com.politics-china-kashmir.html": "China snubs Imran Khan, says resolve J&K bilaterally",
    "vancouversun.com.business-microsoft-carbon.html":
        "Microsoft moves to erase its carbon footprint from the atmosphere in climate push",
    "washingtonpost.com.world-tunisia-museum-attack.html": "Attack stokes instability fears in North Africa",
}
# Every page's outlet: the site name it states, confirmed and spelled by its <title> where that names it.
OUTLETS = {
    "abc.net.au.sport-swimming-funding-cuts.html": "ABC", "al.com.local-debit-card-skimming.html": "al.com",
    "bbc.co.uk.politics-obama-gun-laws.html": "BBC News", "boingboing.net.millenials.html": "Boing Boing",
    "cbc.ca.business-housing-market.html": "CBC", "dw.com.colonial.html": "DW", "dw.com.uncork.html": "DW",
    "espn.com.sport-saban-meyer-agents.html": "ESPN", "heraldsun.com.au.politics-data-retention-bill.html": "Herald Sun",
    "kulu-media.com.meta-outage.html": "Kulu Media", "medicalnewstoday.com.science-aha-moment.html": "Medical News Today",
    "money.cnn.com.business-ohare-airport-strike.html": "CNNMoney",
    "nationalgeographic.co.uk.goats.html": "National Geographic",
    "nationalgeographic.com.science-office-temperature.html": "National Geographic News",
    "nature.com.telescope.html": "Nature", "npr.org.justice-dylann-roof-verdict.html": "NPR",
    "phys.org.tool.html": "Phys.org", "qz.com.business-nigeria-economy.html": "Quartz Africa",
    "reuters.com.business-fed-rate-hike.html": "Reuters", "reuters.com.parasite.html": "Reuters",
    "salon.com.emissions.html": "Salon", "sandiegouniontribune.com.local-sdsu-stadium.html": "The San Diego Union-Tribune",
    "sbnation.com.sport-red-sox-chris-sale.html": "SBNation", "scmp.com.playbook.html": "South China Morning Post",
    "seattletimes.com.local-halibut-whole-foods.html": "The Seattle Times",
    "telegraph.co.uk.world-zimbabwe-coup.html": "The Telegraph", "theverge.com.ios13.html": "The Verge",
    "time.com.science-hansen-geoengineering.html": "TIME",
    "timesofindia.indiatimes.com.politics-china-kashmir.html": "Times of India",
    "vancouversun.com.business-microsoft-carbon.html": "Vancouver Sun",
    "washingtonpost.com.world-tunisia-museum-attack.html": "The Washington Post",
}
# Every page's author: the person its byline names, or none where it names only an organisation (DW's pages:
# "Deutsche Welle"; a desk: "Kulu Media News Desk", "Our Foreign Staff"; a wire: "Reuters" on a page "© Thomson Reuters").
AUTHORS = {
    "abc.net.au.sport-swimming-funding-cuts.html": "Ellesa Throwden", "al.com.local-debit-card-skimming.html": "Mike Cason",
    "bbc.co.uk.politics-obama-gun-laws.html": None, "boingboing.net.millenials.html": "Cory Doctorow",
    "cbc.ca.business-housing-market.html": "Pete Evans", "dw.com.colonial.html": None, "dw.com.uncork.html": None,
    "espn.com.sport-saban-meyer-agents.html": "Jemele Hill", "heraldsun.com.au.politics-data-retention-bill.html": "Laurie Oakes",
    "kulu-media.com.meta-outage.html": None, "medicalnewstoday.com.science-aha-moment.html": "Ana Sandoiu",
    "money.cnn.com.business-ohare-airport-strike.html": "Julia Horowitz",
    "nationalgeographic.co.uk.goats.html": "Michael Hingston", "nationalgeographic.com.science-office-temperature.html": None,
    "nature.com.telescope.html": "Elizabeth Gibney", "npr.org.justice-dylann-roof-verdict.html": "Rebecca Hersher",
    "phys.org.tool.html": "Bob Yirka", "qz.com.business-nigeria-economy.html": "Yomi Kazeem",
    "reuters.com.business-fed-rate-hike.html": "Howard Schneider", "reuters.com.parasite.html": "Jill Serjeant",
    "salon.com.emissions.html": "Nathanael Johnson", "sandiegouniontribune.com.local-sdsu-stadium.html": "Jennifer Van Grove",
    "sbnation.com.sport-red-sox-chris-sale.html": "Grant Brisbee", "scmp.com.playbook.html": "Alice Wu",
    "seattletimes.com.local-halibut-whole-foods.html": "Benjamin Romano", "telegraph.co.uk.world-zimbabwe-coup.html": None,
    "theverge.com.ios13.html": "Jon Porter", "time.com.science-hansen-geoengineering.html": "Alejandro de la Garza",
    "timesofindia.indiatimes.com.politics-china-kashmir.html": "Saibal Dasgupta",
    "vancouversun.com.business-microsoft-carbon.html": None, "washingtonpost.com.world-tunisia-museum-attack.html": "Erin Cunningham",
}
BODY = "".join(f"<p>The harbour council approved the new ferry line on Tuesday, sentence {i} of the story.</p>"
               for i in range(12))


def page(head: str, body: str) -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def title_of(html: str) -> str:
    return parse(html, "story.html").title


@pytest.mark.parametrize("name", sorted(TITLES))
def test_a_real_page_is_titled_by_its_own_headline(name):
    """ESPN's first h1 is "Your Web Browser is no longer supported", CNN Money's "thanks for visiting
    cnnmoney.": neither is the title; a " | DW | 19.01.2020" or " - BBC News" tail is cut."""
    path, = shared_pages(name)
    assert from_html(path.read_text(encoding="utf-8"))["title"] == TITLES[name]


@pytest.mark.parametrize("name", ["espn.com.sport-saban-meyer-agents.html", "money.cnn.com.business-ohare-airport-strike.html"])
def test_an_ingested_page_keeps_its_headline(name):
    path, = shared_pages(name)
    assert parse(path.read_text(encoding="utf-8"), name).title == TITLES[name]


def test_every_shared_page_is_in_the_title_table():
    assert {p.name for p in shared_pages()} == set(TITLES) == set(OUTLETS) == set(AUTHORS)


@pytest.mark.parametrize("name", sorted(OUTLETS))
def test_a_real_page_names_its_outlet(name):
    """Reuters states og:site_name "U.S." (its section) but its title and JSON-LD publisher say "Reuters"; CNN
    Money and the Union-Tribune write `<meta value=... name="og:site_name">`, which trafilatura does not read."""
    path, = shared_pages(name)
    assert from_html(path.read_text(encoding="utf-8")).get("outlet") == OUTLETS[name]


@pytest.mark.parametrize("name", sorted(AUTHORS))
def test_a_real_page_names_its_author_a_person_or_none(name):
    """The author is a person the page names: an organisation in the author field (the outlet, a desk, the
    copyright holder) is no byline."""
    path, = shared_pages(name)
    assert from_html(path.read_text(encoding="utf-8")).get("author") == AUTHORS[name]


@pytest.mark.parametrize("head, author", [
    ('<meta name="author" content="Harbour Post"><title>Ferry approved | Harbour Post</title>', None),
    ('<meta name="author" content="Harbour Post Desk"><title>Ferry approved | Harbour Post</title>', None),
    ('<meta name="author" content="Hanseatic Press"><meta property="og:site_name" content="HP"><title>Ferry</title>', None),
    ('<meta name="author" content="Wire Service"><title>Ferry</title>', None),  # the copyright holder, below
    ('<meta name="author" content="Jane Doe"><title>Ferry approved | Harbour Post</title>', "Jane Doe"),
])
def test_an_organisation_is_no_author(head, author):
    html = page(head, BODY + "<footer><p>© 2020 Wire Service. All rights reserved.</p></footer>")
    assert parse(html, "story.html").meta.get("author") == author


@pytest.mark.parametrize("head, outlet", [
    ('<meta value="Harbour Post" name="og:site_name"><title>Ferry approved</title>', "Harbour Post"),
    ('<meta property="og:site_name" content="HarbourPost"><title>Ferry approved | Harbour Post</title>', "Harbour Post"),
    ('<meta property="og:site_name" content="Local"><script type="application/ld+json">{"@type": "NewsArticle", '
     '"publisher": {"@type": "Organization", "name": "Harbour Post"}}</script><title>Ferry approved | Harbour Post</title>',
     "Harbour Post"),
    ('<meta property="og:site_name" content="Local"><title>Ferry approved</title>', "Local"),
    ('<meta value="hp" name="og:site_name"><title>Ferry approved - hp.com</title>', "hp.com"),  # not "HP"
])
def test_the_outlet_is_the_stated_site_name_the_title_confirms(head, outlet):
    assert parse(page(head, BODY), "story.html").meta["outlet"] == outlet


def test_a_banner_h1_before_the_article_is_not_the_title():
    banner = "<div><h1>Your Web Browser is no longer supported</h1></div>"
    html = page("<title>Ferry line approved</title>", f"{banner}<article><h1>Harbour ferry line approved</h1>{BODY}</article>")
    assert title_of(html) == "Harbour ferry line approved"


def test_the_h1_the_title_repeats_beats_a_banner_h1():
    banner = "<h1>Thanks for visiting our site.</h1>"
    html = page("<title>Harbour ferry line approved by the council</title>", f"{banner}<h1>Harbour ferry line approved</h1>{BODY}")
    assert title_of(html) == "Harbour ferry line approved"


def test_og_title_and_json_ld_headline_lead():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Council backs ferry"}</script>'
    assert title_of(page(ld, f"<h1>Cookie settings</h1>{BODY}")) == "Council backs ferry"
    og = '<meta property="og:title" content="Ferry line gets the council&#39;s nod">'
    assert title_of(page(og + ld, f"<h1>Cookie settings</h1>{BODY}")) == "Ferry line gets the council's nod"


def test_a_site_name_is_no_headline_and_quotes_in_metadata_stay():
    site = '<meta property="og:site_name" content="Harbour Post">'
    assert title_of(page(site + '<meta property="og:title" content="Harbour Post">',
                         f"<article><h1>Ferry line approved</h1>{BODY}</article>")) == "Ferry line approved"
    assert title_of(page('<meta content="\'Ferry\' is back" property="og:title">', BODY)) == "'Ferry' is back"


@pytest.mark.parametrize("site, title, expected", [
    ("Harbour Post", "Ferry approved | Harbour Post", "Ferry approved"),
    ("harbourpost.com", "Ferry approved - The Harbour Post", "Ferry approved"),
    ("Harbour Post", "Ferry approved - a new line for the bay", "Ferry approved - a new line for the bay"),
    (None, "Ferry approved | Harbour Post", "Ferry approved | Harbour Post"),  # no outlet stated: nothing cut
])
def test_an_outlet_suffix_is_cut_only_when_it_names_the_stated_outlet(site, title, expected):
    site_tag = f'<meta property="og:site_name" content="{site}">' if site else ""
    assert title_of(page(f'{site_tag}<meta property="og:title" content="{title}">', BODY)) == expected


# -- hard-wrapped paragraphs ----------------------------------------------------------------------
def sentences_of(text: str, source: str) -> list[str]:
    """The sentences the index stores for an article, each quoted from its text at its offsets."""
    doc = clean(parse(text, source))
    return [doc.text[s.start:s.end] for c in chunk(doc) for s in c.sentences]


def test_a_line_break_inside_an_html_paragraph_is_a_space():
    wrapped = ("<p>Gunmen opened fire on visitors at\n    the museum on Wednesday, killing at least 19 people,\n"
               "    including 17 foreigners, officials said.</p>\n<p>The museum is a major tourist\n    draw.<br>"
               "It reopens next week.</p><ul><li>Tickets are free for the first month</li><li>Guided tours "
               "resume in May</li></ul>")
    said = sentences_of(page("<title>Museum attack</title>", wrapped + BODY), "museum.html")
    assert said[:5] == ["Gunmen opened fire on visitors at the museum on Wednesday, killing at least 19 people, "
                        "including 17 foreigners, officials said.", "The museum is a major tourist draw.",
                        "It reopens next week.", "Tickets are free for the first month", "Guided tours resume in May"]


@pytest.mark.parametrize("name, sentence", [
    ("washingtonpost.com.world-tunisia-museum-attack.html",
     "CAIRO — Gunmen opened fire on visitors at Tunisia’s most renowned museum on Wednesday, killing at least 19 "
     "people, including 17 foreigners, in an assault that threatened to upset the fragile stability of a country "
     "seen as the lone success of the Arab Spring."),
    ("sandiegouniontribune.com.local-sdsu-stadium.html",
     "The solicitation also notes that bidders will need to handle operations of SDCCU Stadium once the university "
     "takes the dated facility over from the city."),
])
def test_a_hard_wrapped_real_page_keeps_its_sentences_whole(name, sentence):
    path, = shared_pages(name)
    said = sentences_of(path.read_text(encoding="utf-8"), name)
    assert sentence in said
    assert not [s for s in said if s.endswith(",")]  # no fragment cut at a line end


def test_a_hard_wrapped_text_file_splits_at_sentences_blank_lines_and_list_items():
    text = ("Harbour council approves ferry\n\n"
            "The harbour council approved a new ferry line on\n"
            "Tuesday after a long debate, officials said. The\n"
            "line will run hourly from the old pier.\n\n"
            "The stops along the route are:\n- Pier 4 on the north side of the bay\n- The old town quay\n\n"
            "# Why the council voted\n"
            "The vote came after a year of complaints from\r\n"
            "commuters. It passed by nine votes to three.\r\n\r\n"
            "How the council came to vote\n"
            "The ferry operator will be chosen by tender next spring, the council said.\n")
    assert sentences_of(text, "ferry.txt") == [  # quoted from the file at their offsets, line breaks and all
        "Harbour council approves ferry",
        "The harbour council approved a new ferry line on\nTuesday after a long debate, officials said.",
        "The\nline will run hourly from the old pier.", "The stops along the route are:",
        "- Pier 4 on the north side of the bay", "- The old town quay", "# Why the council voted",
        "The vote came after a year of complaints from\r\ncommuters.", "It passed by nine votes to three.",
        "How the council came to vote", "The ferry operator will be chosen by tender next spring, the council said."]
