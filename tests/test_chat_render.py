"""The chat's filter control and editorial marks, without a browser: dates read as people type them,
chips, outlet and article menus, our words marked in the chat (the export's are in test_export.py)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from newsrag.index.store import Article
from newsrag.ui import render
from newsrag.ui.editorial import runs
from newsrag.ui.filters import read_date, read_filters
from test_ui import EVIL, Tags

TODAY = dt.date(2026, 12, 6)  # a Sunday


@pytest.mark.parametrize("typed, bound, iso", [
    ("yesterday", "since", "2026-12-05"),
    ("today", "until", "2026-12-06"),
    ("last week", "since", "2026-11-23"),  # Monday to Sunday of last week
    ("last week", "until", "2026-11-29"),
    ("March 2020", "since", "2020-03-01"),
    ("March 2020", "until", "2020-03-31"),
    ("2019", "since", "2019-01-01"),
    ("2019", "until", "2019-12-31"),
    ("2020-02-29", "until", "2020-02-29"),
    ("  2020-3-5 ", "since", "2020-03-05"),
    ("Jan 5 2022", "since", "2022-01-05"),
])
def test_a_typed_date_is_read_as_a_day(typed, bound, iso):
    reading = read_date(typed, bound, TODAY)
    assert (reading.iso, reading.error) == (iso, None)


@pytest.mark.parametrize("typed, says", [
    ("2020-02-30", "2020-02-30 is not a day of the calendar."),
    ("2021-13-01", "2021-13-01 is not a day of the calendar."),  # dateparser would read 13 January
    ("yesterdy", "“yesterdy” is not a date I can read"),
])
def test_a_date_that_cannot_be_read_says_so(typed, says):
    reading = read_date(typed, "since", TODAY)
    assert reading.iso is None and reading.error.startswith(says)


def test_since_after_until_is_flagged_on_until_and_blocks_the_filters():
    form = read_filters(["Reuters"], "2022-02-01", "January 2022", [], today=TODAY)
    assert form.since.iso == "2022-02-01" and form.until.error == "Until (2022-01-31) is before Since (2022-02-01)."
    assert form.filters is None and form.error.startswith("Fix the Until filter first:")
    fine = read_filters(["Reuters", " ", "Reuters"], "March 2020", "", ["a.txt"], today=TODAY)
    assert fine.error is None and fine.filters.outlets == ("reuters",) and fine.filters.since == "2020-03-01"
    assert fine.filters.sources == ("a.txt",) and fine.filters.until is None


def test_date_notes_say_how_the_date_was_read_or_what_is_wrong():
    assert "Read as 2026-12-05" in render.date_note(read_date("yesterday", "since", TODAY))
    assert "Read as" not in render.date_note(read_date("2020-03-01", "since", TODAY))  # nothing to add
    bad = render.date_note(read_date("2020-02-30", "since", TODAY))
    assert 'class="date-note bad" role="alert"' in bad and "not a day" in bad


def test_chips_name_each_active_filter_and_remove_only_it():
    form = read_filters(["Harbour Gazette"], "yesterday", "2020-02-30", ["bridge.md"], today=TODAY)
    chips = render.filter_chips(form, {"bridge.md": "Vexmoor footbridge closes for repairs until the summer"})
    parsed = Tags(chips)
    removes = [(a["data-kind"], a["data-value"]) for t, a in parsed.tags if t == "button"]
    assert removes == [("outlet", "Harbour Gazette"), ("since", "yesterday"), ("until", "2020-02-30"),
                       ("source", "bridge.md")]
    text = " ".join("".join(parsed.outside).split())
    assert "since 2026-12-05" in text and "until “2020-02-30”?" in text
    assert "Vexmoor footbridge closes for…" in text
    assert 'data-bad="1"' in chips and 'class="chip bad"' in chips
    assert "All articles" in render.filter_chips(read_filters(None, "", "", None), {})
    evil = Tags(render.filter_chips(read_filters([EVIL], EVIL, "", [EVIL]), {EVIL: EVIL}))
    assert {t for t, _ in evil.tags} <= {"div", "span", "button"}


def test_outlet_menu_counts_articles_and_article_menu_is_one_line_each():
    rows = [Article("a.md", "Vexmoor orchard opens", "h", 1, "Harbour Gazette", "2020-03-10"),
            Article("b.md", "Vexmoor footbridge closes " + "very " * 30 + "long", "h", 1, "Harbour Gazette",
                    "2020-03-20"),
            Article("c.md", "Library hours", "h", 1, "Valley Times", "2019-11-02"),
            Article("d.txt", "No metadata here", "h", 2)]
    assert render.outlet_choices(rows) == [("Harbour Gazette (2)", "Harbour Gazette"),
                                           ("Valley Times (1)", "Valley Times")]
    labels = [render.article_choice(a) for a in rows]
    assert labels[0] == ("Vexmoor orchard opens · Harbour Gazette · 2020-03-10", "a.md")
    assert labels[1][0].endswith("… · Harbour Gazette · 2020-03-20") and len(labels[1][0]) < 100
    assert labels[3] == ("No metadata here · d.txt", "d.txt")
    assert all("\n" not in label for label, _ in labels)


# -- editorial ranges: our words, not the sources' ------------------------------------------------
CONFLICT = {
    "question": "How many troops are near the border?",
    "answer": "Reports differ: 100,000 troops, he [Antony Blinken] said [1]; around 175,000 [2].",
    "answerable": True,
    "citations": [
        {"n": 1, "source": "a.txt", "title": "Troops", "start": 10, "end": 45, "text": "100,000 troops, he said.",
         "outlet": "Reuters", "published": "2022-01-05"},
        {"n": 2, "source": "b.txt", "title": "b.txt", "start": 3, "end": 17, "text": "around 175,000"}],
}
EDITORIAL = [{"start": 0, "end": 15, "kind": "label", "note": "two outlets give different figures"},
             {"start": 35, "end": 51, "kind": "insertion", "note": "who “he” is, from the paragraph"}]


def test_editorial_runs_cover_the_answer_once_in_order():
    answer = CONFLICT["answer"]
    cut = runs(answer, EDITORIAL)
    assert "".join(answer[r.start:r.end] for r in cut) == answer
    assert [answer[r.start:r.end] for r in cut if r.kind] == ["Reports differ:", "[Antony Blinken]"]
    assert runs(answer, None) == runs(answer, []) == [runs(answer, None)[0]] and runs(answer, None)[0].kind is None
    messy = [{"start": -5, "end": 3, "kind": "label"}, {"start": 2, "end": 9}, {"start": 9, "end": 9},
             {"start": "x", "end": 4}, {"start": 70, "end": 999, "kind": "date", "note": "n"}]
    cut = runs(answer, messy)  # clipped to the answer, overlaps cut back, nonsense dropped
    assert "".join(answer[r.start:r.end] for r in cut) == answer
    assert [(r.start, r.end) for r in cut if r.kind] == [(0, 3), (3, 9), (70, len(answer))]


@hsettings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=5))
def test_editorial_runs_always_rebuild_the_answer(answer, ranges):
    cut = runs(answer, [{"start": a, "end": b, "kind": "label"} for a, b in ranges])
    assert "".join(answer[r.start:r.end] for r in cut) == answer
    assert all(r.start < r.end for r in cut) or answer == ""


def test_chat_marks_editorial_text_with_its_note_and_keeps_the_links():
    chat = render.answer_message({**CONFLICT, "editorial": EDITORIAL}, 3)
    spans = re.findall(r'<span class="editorial" data-kind="(\w+)" title="([^"]*)">(.*?)<span class="sr-only">',
                       chat)
    assert [(kind, inner) for kind, _, inner in spans] == [("label", "Reports differ&#58;"),
                                                           ("insertion", "&#91;Antony Blinken&#93;")]
    assert html.unescape(spans[0][1]) == "Added by newsrag (label): two outlets give different figures"
    assert chat.count('href="#cite-3-1"') == 2 and chat.count('href="#cite-3-2"') == 2  # text and Sources
    plain = render.answer_message(CONFLICT, 3)  # no field: nothing editorial
    assert 'class="editorial"' not in plain and "Reports differ&#58;" in plain
    evil = render.answer_message({**CONFLICT, "editorial": [{"start": 0, "end": 6, "kind": EVIL, "note": EVIL}]}, 0)
    assert {t for t, _ in Tags(evil).tags} <= {"a", "span", "div", "ul", "li"}
