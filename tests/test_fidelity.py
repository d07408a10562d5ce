"""Nothing said that the source doesn't say: answers are verbatim quotes plus editorial text marked as ours.

Model-free: hand-built evidence through the real composers and intent handlers (rag/cite.py,
rag/speakers.py, rag/intents/), and the checker every eval run applies (rag/fidelity.py).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from newsrag.rag import speakers
from newsrag.rag.cite import Writer
from newsrag.rag.evidence import Candidate, Evidence
from newsrag.rag.extractive import compose, statement_pieces
from newsrag.rag.fidelity import unfaithful
from newsrag.rag.intents import Rules, conflict, summary, who_said
from newsrag.rag.query import analyse

RULES = Rules(keep=0.3, pool=12, duplicate_similarity=0.7, summary_sentences=1, summary_keep=0.5)


def _vec(*weights: float) -> np.ndarray:
    v = np.array(weights + (0.0,) * (4 - len(weights)), np.float32)
    return v / np.linalg.norm(v)


def cand(text: str, source: str = "a.txt", at: int = 0, score: float = 0.9, speaker: str | None = None,
         vector: np.ndarray | None = None, dates=(), title: str = "A headline", here: bool = True) -> Candidate:
    return Candidate(source, title, at, at + len(text), text, text, _vec(1.0) if vector is None else vector, 0,
                     0.5, 0.5, True, score, speaker=speaker, speaker_here=here, dates=dates)


def as_json(answer) -> dict:
    return answer.to_json()


def test_a_pronoun_gets_its_speaker_as_a_marked_insertion_and_the_quote_is_untouched():
    text = "“We want this talk,” he said in a conference call with reporters."
    pieces = speakers.attributed(text, "Dmitry Peskov")
    assert "".join(t for t, kind, _ in pieces if kind is None) == text
    assert [t for t, kind, _ in pieces if kind] == [" [Dmitry Peskov]"]
    result = as_json(compose("Who said it?", [[cand(text, speaker="Dmitry Peskov")]]))
    assert result["answer"] == "“We want this talk,” he [Dmitry Peskov] said in a conference call with reporters. [1]"
    assert [result["answer"][e["start"]:e["end"]] for e in result["editorial"]] == ["[Dmitry Peskov]"]
    assert unfaithful(result) == []


def test_a_speaker_only_the_paragraph_before_names_is_not_named_in_the_answer():
    text = "“We are ready,” he said on Friday."
    result = as_json(compose("Q?", [[cand(text, speaker="Sergey Lavrov", here=False)]]))
    assert result["answer"] == f"{text} [1]" and result["editorial"] == []
    assert result["citations"][0]["speaker"] is None


def test_an_unmarked_change_is_caught():
    result = as_json(compose("Q?", [[cand("He added that Moscow would be ready.", speaker="Sergey Lavrov")]]))
    assert result["answer"].startswith("He [Sergey Lavrov] added") and unfaithful(result) == []
    edited = {**result, "answer": "Lavrov added that Moscow would be ready. [1]", "editorial": []}
    assert unfaithful(edited) == ["Lavrov added that Moscow would be ready"]
    unmarked = {**result, "editorial": []}
    assert unfaithful(unmarked)


def test_a_resolved_date_stands_after_the_sentence_never_inside_it():
    text = "The talks will resume on Friday in Geneva."
    c = cand(text, at=100, dates=((100 + text.index("Friday"), 100 + text.index("Friday") + 6, "2026-06-05"),))
    result = as_json(compose("When?", [[c]], render=lambda s: statement_pieces(s, dated=True)))
    assert result["answer"] == "The talks will resume on Friday in Geneva. (Friday: 2026-06-05) [1]"
    assert [(e["kind"], result["answer"][e["start"]:e["end"]]) for e in result["editorial"]] == [
        ("date", "(Friday: 2026-06-05)")]
    assert unfaithful(result) == []


def test_a_named_speaker_is_not_named_again_and_a_quote_without_one_gets_an_attribution():
    assert speakers.attributed("“No,” Lavrov said.", "Sergey Lavrov") == [("“No,” Lavrov said.", None, "")]
    pieces = speakers.attributed("“The idea must be reduced to the historical trash.”", "Antony Blinken")
    assert pieces[0][:2] == ("Antony Blinken said: ", "attribution")
    assert pieces[1][0] == "“The idea must be reduced to the historical trash.”"  # quote marks untouched


def test_a_speaker_with_a_suffix_is_named_by_the_surname():
    """A real page (Chicago Tribune): "J. David Cox Sr., who also represents Energy employees, warned
    against …" was shown as "J. David Cox Sr. said: American Federation of … J. David Cox Sr., …"."""
    text = ("American Federation of Government Employees President J. David Cox Sr., who also represents "
            "Energy employees, warned against \"a return to the political witch hunts of the 1950s.\"")
    assert speakers.attributed(text, "J. David Cox Sr.") == [(text, None, "")]
    assert speakers.attributed("“We will march,” King said.", "Martin Luther King Jr.")[0][1] is None
    assert speakers.speaker_matches("Cox", "J. David Cox Sr.")
    assert not speakers.speaker_matches("Martin Luther King Jr.", "Robert Downey Jr.")


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=120),
       st.sampled_from([None, "Sergey Lavrov", "a spokesperson", "Li"]))
def test_attribution_never_changes_the_source_words(text, speaker):
    pieces = speakers.attributed(text, speaker)
    assert "".join(t for t, kind, _ in pieces if kind is None) == text
    w = Writer().pieces(pieces).marks([1])
    answer = {"answerable": True, "answer": w.text, "editorial": w.editorial,
              "citations": [{"n": 1, "text": text}]}
    assert unfaithful(answer) == []


def test_figures_about_different_things_are_not_reports_that_differ():
    q = analyse({"question": "How much did the project cost?"}, 500)
    stadium = cand("The stadium project cost $300 million.", "a.txt", vector=_vec(1.0, 0.1))
    bridge = cand("The bridge project cost $12 million to build.", "b.txt", vector=_vec(0.1, 1.0), score=0.8)
    same = cand("Officials said the stadium project cost $350 million.", "c.txt", vector=_vec(1.0, 0.2), score=0.8)
    assert conflict.handle(q, Evidence("q", [stadium, bridge], []), RULES) is None
    result = as_json(conflict.handle(q, Evidence("q", [stadium, bridge, same], []), RULES))
    assert result["conflict"] and result["answer"].startswith("Reports differ: ")
    assert {c["source"] for c in result["citations"]} == {"a.txt", "c.txt"}
    assert result["editorial"][0]["kind"] == "label" and unfaithful(result) == []


def test_who_said_finds_the_quoted_words_not_a_similar_quote():
    q = analyse({"question": "Who said “We want this talk”?"}, 500)
    assert q.quoted == "We want this talk"
    for typed, quoted in (("Who said 'Now we are feeling what not having hope feels like'?",  # as people type it
                           "Now we are feeling what not having hope feels like"),
                          ("Who said ‘We don’t want a war’?", "We don’t want a war"),
                          ("Who said the team's plan 'would fail'?", "would fail"),
                          ("Who said “We won” on Monday?", "We won")):
        assert analyse({"question": typed}, 500).quoted == quoted, typed
    assert analyse({"question": "Who said the team's plan would fail?"}, 500).quoted is None
    war = cand("“We don’t want a war,” Lavrov said on Wednesday.", speaker="Lavrov", score=0.95)
    talk = cand("“We want this talk,” he said in a conference call.", at=300, speaker="Dmitry Peskov", score=0.4)
    result = as_json(who_said.handle(q, Evidence("q", [war, talk], []), RULES))
    assert [c["text"] for c in result["citations"]] == [talk.text]
    assert "he [Dmitry Peskov] said" in result["answer"] and unfaithful(result) == []
    named = cand("“We want this talk,” Dmitry Peskov said.", at=500, speaker="Dmitry Peskov")
    result = as_json(who_said.handle(q, Evidence("q", [war, named], []), RULES))
    assert result["short_answer"]["text"] == "Dmitry Peskov" and result["answer"].startswith("Dmitry Peskov [1].")
    missing = who_said.handle(q, Evidence("q", [war], []), RULES)
    assert not missing.answerable and "We want this talk" in missing.notice


def test_a_summary_cites_one_statement_per_outlet_and_at_most_eight():
    cands = [cand(f"Outlet number {i} reports the talks went on for hours.", f"{i:02}.txt", score=0.9 - i / 100,
                  vector=_vec(1.0, i / 10), title=f"Headline {i}") for i in range(12)]
    q = analyse({"question": "Summarize what each outlet reports"}, 500)
    result = as_json(summary.handle(q, Evidence("q", cands, []), RULES))
    assert len(result["citations"]) == 8 and len({c["source"] for c in result["citations"]}) == 8
    distinct = [cand(f"Outlet {i} says {word} happened.", f"{i:02}.txt", score=0.9 - i / 100, title=f"Headline {i}",
                     vector=_vec(*(1.0 if j == i else 0.0 for j in range(4)))) for i, word in enumerate("abcd")]
    result = as_json(summary.handle(q, Evidence("q", distinct, []), RULES))
    assert len(result["answer"].splitlines()) == 4 and len(result["citations"]) == 4  # one statement per outlet
    assert all(e["kind"] == "label" for e in result["editorial"]) and unfaithful(result) == []


def test_who_said_names_the_person_the_speaker_phrase_holds():
    q = analyse({"question": "Who said “scientific ignorance and uncertainties”?"}, 500)
    text = "According to Sheldon Ungar's comparison, the actors had a better grasp of scientific ignorance and uncertainties."
    at = text.index("Sheldon Ungar")
    c = Candidate("a.txt", "A", 0, len(text), text, text, _vec(1.0), 0, 0.5, 0.5, True, 0.9,
                  ents=(("PERSON", at, at + len("Sheldon Ungar")),), speaker="Sheldon Ungar's comparison")
    result = as_json(who_said.handle(q, Evidence("q", [c], []), RULES))
    assert result["short_answer"]["text"] == "Sheldon Ungar" and unfaithful(result) == []

