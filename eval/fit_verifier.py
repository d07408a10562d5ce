"""Train the verifier (`rag/verifier.py`): `make verifier`, or `python -m newsrag.eval.fit_verifier`.

Pairs (question, one sentence), labelled by whether the sentence answers the question, built from the
reader's own training data (fit_reader.training_examples: qa-train plus SQuAD 2.0 dev's even half less
its calibration articles; the odd half is never read):
- answers: an answerable question with the sentence holding its answer;
- beside: the same question with the sentence of its paragraph that shares most of its words but not
  its answer (factual sources only: opinion sources answer again in other words);
- swapped: the question with one name or figure its sentence uses replaced by one it lacks
  (fit_reader.swapped), with the same sentence: everything matches but the detail;
- hand-written: SQuAD 2.0's unanswerable questions with the sentence of their paragraph sharing most
  of their words.
Answering pairs are drawn down to as many as the others. With `--context before` every sentence is
read with the statement before it in its paragraph (rag/verifier.pair_text), and a "beside" sentence
is never one whose predecessor holds the answer. Fixed seed and steps; starts from the shipped
reader's encoder and trains its top layers and a one-logit head.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from newsrag.eval import fit_reader as F
from newsrag.eval.fit_reader import run
from newsrag.rag import reader as R
from newsrag.rag import verifier as V


def pairs(rows, swaps: float, rng: random.Random, context: str = "none") -> tuple[list[tuple[str, str, int]], dict]:
    """(question, sentence, label) pairs and their counts by kind; with `context` "before", each sentence
    followed by the one before it (rag/verifier.pair_text)."""
    answers, beside, handwritten, gold_rows = [], [], [], []
    for q, ctx, start, answer, source in rows:
        bounds = F.sentence_bounds(ctx)

        def text(i: int) -> str:
            a, b = bounds[i]
            if context == "before" and i:
                return V.pair_text(ctx[a:b], ctx[bounds[i - 1][0]:bounds[i - 1][1]])
            return ctx[a:b]

        if start is None:
            if source in F._HANDWRITTEN:
                i = _closest(q, ctx, bounds)
                if i is not None:
                    handwritten.append((q, text(i), 0))
            continue
        holds = [i for i, (a, b) in enumerate(bounds) if a <= start < b]
        if not holds or start + len(answer) > bounds[holds[0]][1]:
            continue  # an answer across two sentences: no one sentence answers
        sent = text(holds[0])
        answers.append((q, sent, 1))
        gold_rows.append((q, sent, 0, answer, source))
        if source in F._FACTUAL:
            # no sentence whose text (read with context: or the one before it) holds the answer
            skip = {i for i in range(len(bounds)) if answer.lower() in text(i).lower()} | {holds[0]}
            other = _closest(q, ctx, bounds, skip)
            if other is not None:
                beside.append((q, text(other), 0))
    swapped = [(q, ctx, 0) for q, ctx, *_ in F.swapped(gold_rows, swaps, random.Random(rng.random()))]
    negatives = beside + swapped + handwritten
    rng.shuffle(answers)
    out = answers[:len(negatives)] + negatives
    rng.shuffle(out)
    counts = {"answers: a question with the sentence holding its answer": min(len(answers), len(negatives)),
              "beside: the sentence of its paragraph sharing most of its words, not its answer": len(beside),
              "swapped: one name or figure of the question replaced by one its sentence lacks": len(swapped),
              "hand-written: SQuAD 2.0's unanswerable questions, with their closest sentence": len(handwritten)}
    return out, counts


def _closest(question: str, ctx: str, bounds, skip: set[int] = frozenset()) -> int | None:
    """The index of the sentence sharing most of the question's words, not in `skip` (None when no
    sentence shares any)."""
    words = set(F._words(question.lower()))
    best, best_n = None, 0
    for i, (a, b) in enumerate(bounds):
        if i in skip:
            continue
        n = len(words & set(F._words(ctx[a:b].lower())))
        if n > best_n:
            best, best_n = i, n
    return best


def train(args) -> dict:
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    rows, _ = F.training_examples(args.shared)
    data, counts = pairs(rows, args.swaps, rng, args.context)
    print(f"{len(rows)} questions -> {len(data)} pairs {counts}", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(R.base_model_path())
    model = V.build_model(args.reader, train_layers=args.train_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    held, data = data[:args.check], data[args.check:]
    enc = tokenizer([d[0] for d in data], [d[1] for d in data], truncation="longest_first", max_length=V.MAX_LENGTH)
    feats = [(ids, types, d[2]) for ids, types, d in zip(enc["input_ids"], enc["token_type_ids"], data)]
    order = F.batches(feats, args.batch, rng)  # similar lengths together: less padding
    steps = min(args.steps, len(order))
    sched = F.schedule(opt, steps)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    curve, running, t0 = [], [], time.time()
    model.train()
    for step in range(steps):
        ids, mask, types, labels = tensors(feats, order[step])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            logit = model(ids, mask, types)
        loss = loss_fn(logit.float(), labels)
        running.append(F.update(loss, opt, sched, params))
        if (step + 1) % args.log_every == 0 or step + 1 == steps:
            curve.append([step + 1, round(float(np.mean(running)), 4)])
            running = []
            print(f"step {step + 1}/{steps} loss {curve[-1][1]:.3f} "
                  f"{(step + 1) * args.batch / (time.time() - t0):.1f} pairs/s {(time.time() - t0) / 60:.1f} min",
                  flush=True)
    accuracy = check(model, tokenizer, held) if held else None
    return save(model, args, counts, len(rows), steps, curve, time.time() - t0, accuracy, len(held))


def tensors(feats, idx):
    """A padded batch: ids, mask, token types and labels."""
    import torch

    return (*F.padded(feats, idx), torch.tensor([float(feats[j][2]) for j in idx]))


def check(model, tokenizer, held) -> float:
    """Accuracy on pairs the run did not train on (the first `--check` of the shuffled pairs)."""
    import torch

    model.eval()
    right = 0
    with torch.inference_mode():
        for i in range(0, len(held), 64):
            b = held[i:i + 64]
            enc = tokenizer([x[0] for x in b], [x[1] for x in b], truncation="longest_first",
                            max_length=V.MAX_LENGTH, padding=True, return_tensors="pt")
            out = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            right += sum(int((float(o) > 0) == bool(x[2])) for o, x in zip(out, b))
    return right / len(held)


def save(model, args, counts, n_questions, steps, curve, seconds, accuracy, n_held) -> dict:
    from safetensors.torch import save_file

    weights = args.out_dir / V.WEIGHTS.name
    save_file(R.trained_state(model), str(weights))
    card = {
        "base": f"the reader's encoder ({args.reader.name}), top {args.train_layers} layers retrained, "
                "one-logit head on [CLS]",
        "reader_sha256": R.sha256(args.reader),
        "data": counts, "questions": n_questions, "steps": steps, "batch": args.batch,
        "pairs_seen": steps * args.batch, "lr": args.lr, "max_length": V.MAX_LENGTH, "swaps": args.swaps,
        "context": args.context, "seed": args.seed, "threads": args.threads, "bf16": args.bf16, "minutes": round(seconds / 60, 1),
        "unseen_pairs": n_held, "unseen_accuracy": round(accuracy, 4) if accuracy is not None else None,
        "loss_curve": curve, "sha256": R.sha256(weights), "bytes": weights.stat().st_size,
        "command": "make verifier",
    }
    (args.out_dir / V.CARD.name).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return card


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=F.SHARED, help="folder holding qa-train/ and squad2-dev.json")
    p.add_argument("--reader", type=Path, default=R.WEIGHTS, help="the reader weights it builds on")
    p.add_argument("--out-dir", type=Path, default=R.HERE)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--swaps", type=float, default=0.5, help="share of answering pairs also asked with a name swapped")
    p.add_argument("--train-layers", type=int, default=2)
    p.add_argument("--context", choices=V.CONTEXTS, default="none",
                   help="'before': read each sentence with the statement before it")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=31)
    p.add_argument("--check", type=int, default=2000, help="unseen pairs the accuracy is measured on")
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None, help="as fit_reader's")
    p.add_argument("--log-every", type=int, default=25)
    return F.with_bf16(p.parse_args(argv))


def main(argv=None) -> int:
    return run(parse(argv), train, "fit_verifier")


if __name__ == "__main__":
    raise SystemExit(main())
