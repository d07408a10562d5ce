"""Real pages read right: each page's title is its own headline, never a banner or a site name."""

from __future__ import annotations

import pytest

from conftest import shared_pages
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
    assert {p.name for p in shared_pages()} == set(TITLES)


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


@pytest.mark.parametrize("site, title, expected", [
    ("Harbour Post", "Ferry approved | Harbour Post", "Ferry approved"),
    ("harbourpost.com", "Ferry approved - The Harbour Post", "Ferry approved"),
    ("Harbour Post", "Ferry approved - a new line for the bay", "Ferry approved - a new line for the bay"),
    (None, "Ferry approved | Harbour Post", "Ferry approved | Harbour Post"),  # no outlet stated: nothing cut
])
def test_an_outlet_suffix_is_cut_only_when_it_names_the_stated_outlet(site, title, expected):
    site_tag = f'<meta property="og:site_name" content="{site}">' if site else ""
    assert title_of(page(f'{site_tag}<meta property="og:title" content="{title}">', BODY)) == expected
