"""The trained reader: shipped weights checked by hash, spans exact, and it reads real questions right."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from newsrag.rag import reader as R
from newsrag.rag.read import Calibration, Found, default_reader, joined, load_calibration, to_article

PASSAGE = ("Russian and US negotiators will meet in Geneva on January 10, the State Department said on "
           "Tuesday. Deputy Secretary of State Wendy Sherman will lead the US delegation, while Russia will "
           "be represented by Deputy Foreign Minister Sergei Ryabkov. Moscow has demanded that NATO rule out "
           "membership for Ukraine.")


@pytest.fixture(scope="module")
def reader() -> R.Reader:
    return default_reader()


def test_weights_are_small_and_match_their_card():
    card = R.load_card()
    assert R.WEIGHTS.stat().st_size <= 25 * 1024 * 1024
    assert R.sha256(R.WEIGHTS) == card["sha256"]
    assert card["steps"] > 0 and card["windows_seen"] > 0 and "squad2-dev" in " ".join(card["data"])


def test_tampered_weights_are_refused(tmp_path: Path):
    weights, card = tmp_path / "reader.safetensors", tmp_path / "reader.json"
    shutil.copy(R.CARD, card)
    data = bytearray(R.WEIGHTS.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(R.ReaderError, match="sha256"):
        R.Reader(weights, card)


def test_missing_weights_say_how_to_build_them(tmp_path: Path):
    with pytest.raises(R.ReaderError, match="make reader"):
        R.Reader(tmp_path / "reader.safetensors", tmp_path / "reader.json")


@pytest.mark.parametrize("question, expected", [
    ("Where will the negotiators meet?", "Geneva"),
    ("When will the negotiators meet?", "January 10"),
    ("Who will lead the US delegation?", "Wendy Sherman"),
    ("Who will represent Russia?", "Sergei Ryabkov"),
])
def test_reads_the_answer_span(reader, question, expected):
    best = reader.read(question, [PASSAGE]).best
    assert expected in best.text and len(best.text) <= len(expected) + 40


def test_the_answering_passage_wins_across_passages(reader):
    other = "The weather in Oslo was cold on Monday, with snow expected later in the week across Norway."
    reading = reader.read("Where will the negotiators meet?", [other, PASSAGE, other])
    assert reading.best.passage == 1 and "Geneva" in reading.best.text
    assert reading.passage_best[1] > reading.passage_best[0]


def test_no_answer_scores_lower_when_the_passage_answers(reader):
    answers = reader.read("Who will lead the US delegation?", [PASSAGE])
    misses = reader.read("How many people died in the earthquake in Peru?", [PASSAGE])
    assert answers.best.gap > misses.best.gap


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=120),
                min_size=1, max_size=3),
       st.text(min_size=1, max_size=40))
def test_spans_are_exact_slices_of_their_passage(reader, passages, question):
    for span in reader.read(question, passages).spans:
        assert passages[span.passage][span.start:span.end] == span.text


class _C:  # the fields of a Candidate that the offset mapping reads
    def __init__(self, start: int, quote: str):
        self.start, self.quote, self.end = start, quote, start + len(quote)


@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=5), st.data())
def test_passage_spans_map_to_exact_article_offsets(quotes, data):
    article, group, at = "", [], 0
    for q in quotes:  # an article whose sentences are the quotes, with a gap between each
        article += "\n  "
        group.append(_C(len(article), q))
        article += q
    text, starts = joined(group)
    a = data.draw(st.integers(0, len(text) - 1))
    b = data.draw(st.integers(a + 1, len(text)))
    short = to_article(group, starts, a, b)
    if short is not None:
        assert article[short.start:short.end] == short.text
        assert short.text and short.text == short.text.strip()
        assert short.candidate.start <= short.start < short.end <= short.candidate.end


def test_calibration_is_shipped_and_thresholds_are_probabilities():
    cal = load_calibration()
    assert isinstance(cal, Calibration)
    assert 0 < cal.answerable_threshold < 1 and 0 < cal.correct_threshold <= 1


def test_a_calibration_for_features_this_code_lacks_is_refused_in_one_line(tmp_path):
    from newsrag.rag.read import CALIBRATION
    from newsrag.rag.reader import ReaderError

    d = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    (tmp_path / CALIBRATION.name).write_text(json.dumps({**d, "features": [*d["features"][:-1], "novel"]}))
    with pytest.raises(ReaderError, match="make reader"):
        load_calibration(tmp_path)


def test_read_stage_on_the_bundled_articles(chain):
    """The chain's read stage finds Geneva for the talks and shows it only with a calibrated chance."""
    evidence = chain.read(chain.evidence("Where will the US-Russia security talks be held?"))
    found = evidence.found
    assert isinstance(found, Found) and found.best is not None
    assert "Geneva" in found.best.text
    assert found.answerable is not None and 0 <= found.correct <= 1


def test_training_windows_point_at_their_answers():
    """fit_reader's labels: each window's gold tokens decode to its answer; a window missing it points at [CLS]."""
    import random

    from transformers import AutoTokenizer

    from newsrag.eval.fit_reader import featurize

    tok = AutoTokenizer.from_pretrained(R.base_model_path())
    rows = [("Where will they meet?", PASSAGE, PASSAGE.index("Geneva"), "Geneva", "t"),
            ("Who leads?", PASSAGE, PASSAGE.index("Wendy Sherman"), "Wendy Sherman", "t"),
            ("Who won the cup?", PASSAGE, None, None, "t")]
    feats = featurize(tok, rows, max_length=32, stride=8, negative_keep=1.0, rng=random.Random(0))
    assert len(feats) > len(rows)  # long passages are split into overlapping windows
    answers = {tok.decode(ids[s:e + 1]) for ids, _, s, e in feats if s}
    assert answers == {"geneva", "wendy sherman"}
    assert all(s == e == 0 for ids, _, s, e in feats if tok.decode(ids).startswith("[CLS] who won"))


def test_near_misses_pair_a_question_with_a_similar_paragraph_that_lacks_its_answer():
    """Stage 2's unanswerable pairs: the most similar other paragraph of the article, never one holding the answer."""
    import random

    from newsrag.eval.fit_reader import near_misses

    def qa(question, answer):
        return {"question": question, "answers": [{"text": answer, "answer_start": 0}]}

    article = {"paragraphs": [
        {"context": "The ferry line opens in June, the harbour council said.",
         "qas": [qa("When does the harbour ferry line open?", "June")]},
        {"context": "The harbour ferry line will cost 4 million euros, the council said on Monday.", "qas": []},
        {"context": "The ferry line opens to the harbour in June, officials confirmed.", "qas": []},
        {"context": "Fishermen sold cod at the market.", "qas": []},
    ]}
    pairs = near_misses([(article, "t")], keep=1.0, rng=random.Random(0))
    assert pairs == [("When does the harbour ferry line open?", article["paragraphs"][1]["context"], None, None,
                      "t-near-miss")]
    assert near_misses([({"paragraphs": article["paragraphs"][:1]}, "t")], 1.0, random.Random(0)) == []


def test_swaps_replace_a_name_the_paragraph_uses_with_one_of_the_same_kind_it_never_mentions():
    """Stage 3's unanswerable twins: one entity of the question swapped; the twin keeps its paragraph."""
    import random

    from newsrag.eval.fit_reader import swapped

    ctx = "Wendy Sherman will meet Sergei Ryabkov in Geneva on January 10, the State Department said."
    rows = [("Who will Wendy Sherman meet in Geneva?", ctx, ctx.index("Sergei"), "Sergei Ryabkov", "t"),
            ("Where did Angela Merkel visit Emmanuel Macron in 2019?", "Merkel went to Paris.", 14, "Paris", "t"),
            ("Who is the mayor of Lisbon?", "Lisbon's mayor is Carlos Moedas.", 18, "Carlos Moedas", "t"),
            ("Who won the cup?", ctx, None, None, "t")]
    twins = swapped(rows, keep=1.0, rng=random.Random(0))
    assert twins and all(t[2:] == (None, None, "t-swap") for t in twins)  # labelled: no answer
    assert not any(t[1] == "Merkel went to Paris." for t in twins)  # a name its paragraph lacks is no basis
    for question, context, *_ in twins:
        original = next(r[0] for r in rows if r[1] == context)
        new = set(question.rstrip("?").split()) - set(original.rstrip("?").split())
        assert new and not any(w in context for w in new), question  # only words the paragraph never uses


def test_deletions_take_out_the_sentence_that_answers_and_keep_the_rest():
    """Stage 4's unanswerable twins: the paragraph less its answer's sentence; skipped where the answer survives."""
    import random

    from newsrag.eval.fit_reader import deleted

    ctx = ("The harbour council met on Monday. The ferry line opens in June, the council said. "
           "It will cost 4 million euros.")
    twice = "The line opens in June. Trains follow in June. Buses run all year."
    rows = [("When does the ferry line open?", ctx, ctx.index("June"), "June", "t"),
            ("When does the line open?", twice, twice.index("June"), "June", "t"),  # June again after the cut
            ("When?", "It opens in June.", 11, "June", "t"),  # one sentence: nothing would be left
            ("How much?", ctx, ctx.index("4 million"), "4 million euros", "t")]
    twins = deleted(rows, keep=1.0, rng=random.Random(0))
    assert twins == [
        ("When does the ferry line open?", "The harbour council met on Monday. It will cost 4 million euros.",
         None, None, "t-deleted"),
        ("How much?", "The harbour council met on Monday. The ferry line opens in June, the council said.",
         None, None, "t-deleted")]
    assert deleted(rows, keep=0.0, rng=random.Random(0)) == []


def test_repeat_shows_only_squads_hand_written_unanswerable_questions_again():
    """--repeat-unanswerable (a stage tried and not shipped, docs/reader.md): the made twins and SubjQA's
    unanswerable reviews are not repeated, nor any answerable question."""
    from newsrag.eval.fit_reader import repeated

    rows = [("Who won?", "ctx", None, None, "squad2-dev-even"), ("Who lost?", "ctx", 0, "c", "squad2-dev-even"),
            ("Why?", "ctx", None, None, "squad2-train-first10"), ("Who won?", "ctx", None, None, "squad2-dev-even-swap"),
            ("Is it soft?", "ctx", None, None, "subjqa")]
    assert repeated(rows, 3) == [rows[0], rows[2]] * 2 and repeated(rows, 1) == []


@pytest.mark.parametrize("question", [
    "How long did Putin's press conference last?",
    "How large was the defense spending bill Biden signed on Monday?",
    "Who is the Assistant Secretary of State for European and Eurasian Affairs?",
])
def test_the_sentence_holding_the_best_span_leads(chain, question):
    best = chain.read(chain.evidence(question)).found.best
    first = chain.invoke({"question": question})["citations"][0]
    assert first["source"] == best.candidate.source
    assert first["start"] <= best.start < best.end <= first["end"]


def test_a_shown_short_answer_is_the_readers_confident_span(chain):
    question = "Who is the Assistant Secretary of State for European and Eurasian Affairs?"
    found = chain.read(chain.evidence(question)).found
    result = chain.invoke({"question": question})
    assert found.shown and found.correct >= chain.calibration.correct_threshold
    assert result["short_answer"]["text"] == found.best.text


def test_a_very_long_question_is_read(reader):
    question = "Where will the negotiators meet, " + "and what else did they say about it " * 60 + "?"
    reading = reader.read(question, [PASSAGE])  # cut to its first tokens, not a tokenizer panic
    assert reading.spans and all(PASSAGE[s.start:s.end] == s.text for s in reading.spans)


def test_training_uses_bf16_only_where_the_cpu_computes_it_natively(monkeypatch):
    """Emulated bf16 trains far slower than fp32 (no step in 10 minutes on an AVX2-only CPU, 3.3 windows/s in
    fp32): fit_reader follows the reader's own check unless told otherwise."""
    from newsrag.eval.fit_reader import parse

    for native in (True, False):
        monkeypatch.setattr(R, "_native_bf16", lambda native=native: native)
        assert parse([]).bf16 is native
        assert parse(["--bf16"]).bf16 is True and parse(["--no-bf16"]).bf16 is False

