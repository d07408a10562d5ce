"""The verifier: its training pairs are what they say, its weights are checked, and it tells an answering
sentence from one that only names the same things."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from newsrag.rag import reader as R
from newsrag.rag import verifier as V

needs_weights = pytest.mark.skipif(not V.CARD.exists(), reason="no verifier ships (make verifier)")


def test_pairs_hold_the_answering_sentence_its_neighbour_and_hand_written_questions():
    from newsrag.eval.fit_verifier import pairs

    ctx = ("The harbour council met on Monday in Bergen. The ferry line opens in June, the harbour council said. "
           "The harbour ferry line will cost 4 million euros.")
    rows = [("When does the harbour ferry line open?", ctx, ctx.index("June"), "June", "squad2-dev-even"),
            ("When was the harbour council founded?", ctx, None, None, "squad2-dev-even"),
            ("Is the ferry nice?", ctx, None, None, "subjqa"),  # opinion sources' unanswerables are no basis
            ("Which line opens?", "The line opens in June. Then", 4, "line opens in June. Then", "covid-qa")]
    out, counts = pairs(rows, swaps=0.0, rng=random.Random(0))
    assert ("When does the harbour ferry line open?", "The ferry line opens in June, the harbour council said.", 1) in out
    # beside: the other sentence sharing most words, never one holding the answer
    assert ("When does the harbour ferry line open?", "The harbour ferry line will cost 4 million euros.", 0) in out
    assert ("When was the harbour council founded?", "The harbour council met on Monday in Bergen.", 0) in out
    assert not any(q == "Is the ferry nice?" or q == "Which line opens?" for q, _, _ in out)  # across sentences: none
    assert sum(label for *_, label in out) == counts["answers: a question with the sentence holding its answer"]


def test_pairs_read_with_context_carry_the_statement_before_and_never_its_answer():
    """`--context before`: each sentence then the one before it; a "beside" sentence whose predecessor holds
    the answer would be a false "no", so it is never drawn."""
    from newsrag.eval.fit_verifier import pairs

    ctx = ("Bill Kirby swam for Australia at the 2000 Olympics. These days, he coaches swimmers in Western Australia. "
           "Kirby says these days he would coach swimmers anywhere. Kirby also swam at the 1998 Commonwealth Games.")
    question = "Where does Bill Kirby coach swimmers these days?"
    rows = [(question, ctx, ctx.index("Western"), "Western Australia", "squad2-dev-even")]
    out, _ = pairs(rows, swaps=0.0, rng=random.Random(0), context="before")
    assert (question, "These days, he coaches swimmers in Western Australia. [SEP] "
                      "Bill Kirby swam for Australia at the 2000 Olympics.", 1) in out
    negatives = [text for q, text, label in out if label == 0]
    assert negatives == ["Bill Kirby swam for Australia at the 2000 Olympics."]  # the first sentence: nothing before
    plain, _ = pairs(rows, swaps=0.0, rng=random.Random(0))
    assert (question, "Kirby says these days he would coach swimmers anywhere.", 0) in plain  # drawn without context
    assert V.pair_text("S.", None) == "S." and V.pair_text("S.", "B.") == "S. [SEP] B."


def test_answering_pairs_are_drawn_down_to_as_many_as_the_others():
    from newsrag.eval.fit_verifier import pairs

    rows = [(f"Who opened bridge {i}?", f"Mayor Ann Lee opened bridge {i}. Rain fell on bridge {i}.", 0,
             "Mayor Ann Lee", "squadshifts-reddit") for i in range(10)]  # not factual: no 'beside' pairs
    rows.append(("Who closed bridge 3?", "Mayor Ann Lee opened bridge 3. Rain fell on bridge 3.", None, None,
                 "squad2-train-first10"))
    out, _ = pairs(rows, swaps=0.0, rng=random.Random(0))
    assert sorted(label for *_, label in out) == [0, 1]


@needs_weights
def test_weights_are_small_and_match_their_card_and_reader():
    card = R.load_card(V.CARD)
    assert V.WEIGHTS.stat().st_size <= 25 * 1024 * 1024
    assert R.sha256(V.WEIGHTS) == card["sha256"] and R.sha256(R.WEIGHTS) == card["reader_sha256"]
    assert card["steps"] > 0 and card["unseen_accuracy"] > 0.8


@needs_weights
def test_a_verifier_for_other_reader_weights_is_refused(tmp_path: Path):
    other = tmp_path / "reader.safetensors"  # other reader weights, with a card that matches them
    data = bytearray(R.WEIGHTS.read_bytes())
    data[-1] ^= 0xFF
    other.write_bytes(bytes(data))
    card = tmp_path / "reader.json"
    card.write_text(json.dumps({**R.load_card(), "sha256": R.sha256(other)}))
    with pytest.raises(R.ReaderError, match="make verifier"):
        V.Verifier(R.Reader(other, card, runtime="torch"))  # torch: no export of these throwaway weights


def test_missing_verifier_weights_say_how_to_build_them(tmp_path: Path):
    from newsrag.rag.read import default_reader

    card = tmp_path / "verifier.json"
    card.write_text('{"sha256": "0", "reader_sha256": "0"}')
    with pytest.raises(R.ReaderError, match="make verifier"):
        V.Verifier(default_reader(), tmp_path / "verifier.safetensors", card)


@needs_weights
def test_the_verifier_holds_only_its_own_layers_and_leaves_the_reader_as_it_was():
    import torch

    reader = R.Reader(runtime="torch")  # a reader of its own: loading the verifier must not change it
    passage = ["Deputy Secretary of State Wendy Sherman will lead the US delegation in Geneva."]
    before = reader.read("Who will lead the US delegation?", passage)
    v = V.Verifier(reader)
    mine, theirs = v.model.encoder, reader.model.encoder
    assert mine.embeddings is theirs.embeddings
    assert [a is b for a, b in zip(mine.encoder.layer, theirs.encoder.layer)] == [True] * 4 + [False] * 2
    assert not any(torch.equal(a.attention.self.query.weight, b.attention.self.query.weight)
                   for a, b in zip(mine.encoder.layer[4:], theirs.encoder.layer[4:]))
    assert reader.read("Who will lead the US delegation?", passage) == before
    # the same logits as a verifier built whole, with its own copy of every layer
    whole = V.build_model()
    whole.load_state_dict(R.checked_state(V.WEIGHTS, R.load_card(V.CARD), "verifier"), strict=False)
    enc = reader.tokenizer.pairs(["Who will lead the US delegation?"], passage, V.MAX_LENGTH, "longest_first")
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=v.bf16):
        alone = whole.eval()(*(torch.from_numpy(enc[k]) for k in ("input_ids", "attention_mask", "token_type_ids")))
    assert v.logits("Who will lead the US delegation?", passage)[0] == pytest.approx(float(alone[0]), abs=1e-4)


def test_no_verifier_is_loaded_where_none_ships_beside_the_reader(tmp_path: Path):
    from newsrag.rag.read import default_verifier

    for name in ("reader.safetensors", "reader.json"):
        shutil.copy(R.HERE / name, tmp_path / name)
    assert default_verifier(None, tmp_path) is None


def test_a_calibration_reading_the_verifier_refuses_to_run_without_one(chain):
    from newsrag.rag.read import FEATURES, Calibration, default_reader, read

    evidence = chain.evidence("Where will the US-Russia security talks be held?")
    cal = Calibration((0.0,) * len(FEATURES), 0.0, 0.5, (0.0,) * len(FEATURES), 0.0, 0.5, FEATURES)
    assert "verified" in cal.features
    with pytest.raises(R.ReaderError, match="make verifier"):
        read(default_reader(), evidence, 3, cal, verifier=None)


@needs_weights
def test_the_chain_reads_the_verifier_into_its_features(chain):
    found = chain.read(chain.evidence("Where will the US-Russia security talks be held?")).found
    assert found.features["verified"] > 0  # the sentence naming Geneva answers it


@needs_weights
@pytest.mark.parametrize("question, answers, misses", [
    ("How much carbon did Microsoft emit in 2019?",
     "Microsoft emitted 16 million metric tons of carbon in 2019, the company said.",
     "Microsoft emitted 16 million metric tons of carbon in 2018, the company said."),
    ("Who will lead the US delegation?",
     "Deputy Secretary of State Wendy Sherman will lead the US delegation.",
     "Deputy Foreign Minister Sergei Ryabkov will represent Russia at the talks."),
    ("When will the data centre be completed?",
     "The data centre will be completed in 2027, officials said.",
     "The data centre is being built in the city of Guiyang, officials said."),
])
def test_the_answering_sentence_scores_above_one_that_names_the_same_things(question, answers, misses):
    from newsrag.rag.read import default_verifier

    v = default_verifier()
    yes, no = v.logits(question, [answers, misses])
    assert yes > no


@needs_weights
def test_a_verifier_trained_with_context_reads_the_statement_before(tmp_path: Path):
    """A card saying `"context": "before"` makes the verifier read each sentence with the one before it;
    without one (the shipped card) the statement before is ignored."""
    import json

    card = json.loads(V.CARD.read_text(encoding="utf-8"))
    (tmp_path / "verifier.json").write_text(json.dumps({**card, "context": "before"}), encoding="utf-8")
    reader = R.Reader()
    plain, with_context = V.Verifier(reader), V.Verifier(reader, V.WEIGHTS, tmp_path / "verifier.json")
    assert (plain.context, with_context.context) == ("none", "before")
    question, sentence, before = "Where does he coach?", "These days, he coaches in Perth.", "Bill Kirby swam."
    assert plain.logits(question, [sentence], [before]) == plain.logits(question, [sentence])
    assert with_context.logits(question, [sentence], [before]) == pytest.approx(
        plain.logits(question, [V.pair_text(sentence, before)]), abs=1e-5)
    assert with_context.logits(question, [sentence], [None]) == pytest.approx(plain.logits(question, [sentence]), abs=1e-5)


@needs_weights
def test_the_statement_before_is_the_one_just_before_the_best_sentence_in_its_passage(chain):
    """What the chain hands a context verifier: the statement of the same passage that ends last before the
    best span's sentence starts (None when that sentence opens its passage)."""
    from newsrag.rag.read import joined, passages, statement_before, to_article

    for question in ("Where will the US-Russia security talks be held?", "What did Russia demand?",
                     "Who will lead the US delegation?"):
        groups = passages(chain.evidence(question), chain.settings.read_k)
        texts = [joined(g) for g in groups]
        reading = chain.reader.read(question, [t for t, _ in texts])
        s = reading.best
        best = to_article(groups[s.passage], texts[s.passage][1], s.start, s.end)
        before = statement_before(groups, reading, best)
        earlier = [c for c in groups[s.passage] if c.source == best.candidate.source and c.end <= best.candidate.start]
        assert before == (max(earlier, key=lambda c: c.end).quote if earlier else None)
