"""Page debris (comments, captchas, share widgets, bylines) is never stored, retrieved or cited."""

from __future__ import annotations

from newsrag.index.clean import clean
from newsrag.index.load import Document

DEBRIS = [
    "Leave a Reply",
    "four − 4 =",
    "Liked by 1 person",
    "You are commenting using your",
    "Fill in your details below",
    "This site uses Akismet",
    "Connecting to %s",
    "The despicable O’Bidenov administration",  # a reader comment
    "vile murderers",
    "(C)UNIAN 2021",
    "Christi C. Elwood",  # byline
    "World News",  # section label
]


def test_debris_is_not_stored(indexed):
    _, store = indexed
    stored = store.chunks.get(include=["documents"])["documents"] + store.sentences.get(include=["documents"])["documents"]
    for fragment in DEBRIS:
        norm = " ".join(fragment.split())
        assert not any(norm in " ".join(t.split()) for t in stored), fragment


def test_debris_is_not_retrieved_or_cited(chain):
    for question in ("Who are the vile murderers that should pay full reparations?",
                     "Who is commenting using a Google account?", "four minus 4 equals what?"):
        result = chain.invoke({"question": question})
        for c in result["citations"]:
            assert not any(" ".join(f.split()) in " ".join(c["text"].split()) for f in DEBRIS), c


def test_rules_are_general_not_our_files():
    text = ("Markets rallied on Friday after the central bank held rates.\n\nAnalysts expected the move.\n\n"
            "Share this:\nTwitter\nFacebook\n\nRelated\n\n12 Comments\n\nJohn says: great article!\n"
            "Reply\n\nseven + 2 = \n")
    doc = clean(Document("x.txt", "t", text, text))
    kept = " ".join(doc.view.split())
    assert kept == "Markets rallied on Friday after the central bank held rates. Analysts expected the move."
    assert len(doc.view) == len(text)


def test_labels_glued_onto_a_sentence_are_debris():
    text = ("Markets rallied sharply.EconomyMarketsEurope\n\nRates stay high this year.Officials said "
            "the bank would wait for more data\n\nShares fell 2 percent in May.Tech Stocks\n")
    doc = clean(Document("x.txt", "t", text, text))
    kept = " ".join(doc.view.split())
    assert kept == ("Markets rallied sharply. Rates stay high this year.Officials said the bank would wait "
                    "for more data Shares fell 2 percent in May.Tech Stocks")  # "May." is no sentence end we cut
    assert len(doc.view) == len(text)
