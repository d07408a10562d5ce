"""`newsrag eval [DATASET]`: the bundled QA set (JSONL) or a SQuAD v2 JSON file, auto-detected.

Each dataset gets its own Chroma collection under the same data folder, so the user's own articles
never skew the figures and a second run reuses the cached index.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from pathlib import Path

from newsrag.app import App
from newsrag.errors import InputError
from newsrag.eval import gate, news, report, squad
from newsrag.eval import metrics as M
from newsrag.eval.bench import SQUAD
from newsrag.index.ingest import IngestReport
from newsrag.rag.read import default_reader, reader_args
from newsrag.settings import Settings

ARTICLES = Path(__file__).resolve().parents[1] / "articles"
PAGES = SQUAD.parent / "html"  # the real pages eval/qa/pages.jsonl asks about
NEWS_COLLECTION = "eval_news"


def detect(path: Path) -> tuple[str, object]:
    """("squad", parsed JSON) or ("news", None); anything else is an `InputError`."""
    if not path.is_file():
        raise InputError(f"{path}: no such dataset file")
    if path.suffix.lower() == ".jsonl":
        return "news", None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path.name}: neither a QA set (.jsonl) nor SQuAD JSON ({e})") from e
    if not squad.is_squad(data):
        raise InputError(f"{path.name}: JSON but not in the SQuAD v2 layout ({{'data': [{{'paragraphs': ...}}]}})")
    return "squad", data


def run(settings: Settings, dataset: Path | None = None, out: Path = Path("eval-results"),
        limit: int | None = None, seed: int = 0, articles: Path | None = None, half: str = "all") -> int:
    """Evaluate, write results.json/.md/.png under `out`, print the table. 1 if a citation was inexact.

    `half` ("even" / "odd") restricts a SQuAD file to the articles at those positions of `data`, both
    the indexed paragraphs and the questions; the reader was trained and calibrated on "even" only.
    """
    dataset = Path(dataset or news.DEFAULT_SET)
    if articles is None:  # a set over the real pages (eval/qa/pages.jsonl) reads them from ../shared
        articles = PAGES if dataset.name == "pages.jsonl" else ARTICLES
    if limit is not None and limit < 1:
        raise InputError("--limit must be at least 1")
    kind, data = detect(dataset)
    if half not in squad.HALVES or (half != "all" and kind != "squad"):
        raise InputError(f"--half {half}: only a SQuAD file can be split into its even/odd articles")
    started = time.time()
    if kind == "squad":
        result, table, chart = run_squad(settings, data, limit, seed, Path(out), half)
    else:
        result, table, chart = run_news(settings, dataset, articles, limit, seed)
    result.update(dataset=str(dataset), kind=kind, limit=limit, seed=seed, machine=report.machine(settings),
                  duration_s=time.time() - started)
    report.write(Path(out), result, table, chart)
    print(table)
    print(f"\nwrote {Path(out) / 'results.json'}, results.md, results.png")
    if kind == "news" and dataset.resolve() == news.DEFAULT_SET.resolve():
        below = gate.failures(result["aggregates"], settings.k)
        print("gate: every committed threshold met" if not below else
              "gate: below the committed thresholds (eval/thresholds.json): " + "; ".join(below))
    elif held := gate.heldout_gate(dataset.name, half, limit, seed):
        name, limits = held
        overall = result["aggregates"]["overall"] if kind == "news" else result["aggregates"]
        below = gate.failures({name: overall}, settings.k, {name: limits})
        print(f"gate ({name}): every committed threshold met" if not below else
              f"gate ({name}): below the committed thresholds (eval/thresholds-heldout.json): " + "; ".join(below))
    exact = (result["aggregates"]["overall"] if kind == "news" else result["aggregates"])["citation_exact"]
    if exact is not None and exact < 1.0:
        print(f"newsrag: error: {1 - exact:.1%} of citations do not quote their article exactly", file=sys.stderr)
        return 1
    return 0


def run_news(settings: Settings, dataset: Path, articles: Path, limit: int | None, seed: int):
    items = news.load(dataset)
    if limit is not None and limit < len(items):
        keep = set(random.Random(seed).sample(range(len(items)), limit))
        items = [it for i, it in enumerate(items) if i in keep]
    s = settings.with_(collection=NEWS_COLLECTION if articles == ARTICLES else
                       "eval_" + hashlib.sha256(str(articles.resolve()).encode()).hexdigest()[:10])
    app = App(s)
    ingested = index_articles(articles, app, strict=articles == ARTICLES)
    app.warm()  # load the model and build the BM25 snapshot before timing
    with _bar(len(items), "questions") as bar:
        rows, aggregates = news.evaluate(app, items, articles, progress=lambda i, n: bar.update(1))
    result = {"settings": report.settings_dict(s), "ingest": ingested.summary(), "aggregates": aggregates,
              "rows": rows}
    return result, report.news_table(aggregates), report.news_chart


def index_articles(articles: Path, app: App, strict: bool = True) -> IngestReport:
    """Make the eval collection hold exactly the files in `articles` (stale extras removed). A page
    refused with a reason (no body text) is only reported, unless `strict`."""
    got = app.ingest([articles])
    if got.failed and (strict or not (got.added or got.updated or got.unchanged)):
        raise InputError(f"cannot index the evaluation articles: {got.failed[0][1]}")
    for source, reason in got.failed:
        print(f"not indexed: {source}: {reason}", file=sys.stderr)
    keep = set(got.added + got.updated + got.unchanged)
    for article in app.articles():
        if article.source not in keep:
            app.remove(article.source)
    return got


def run_squad(settings: Settings, data: dict, limit: int | None, seed: int, out: Path, which: str = "all"):
    paragraphs, questions = squad.parse(squad.half(data, which))
    questions = squad.sample(questions, limit, seed)
    app, ingested = index_squad(settings, paragraphs)
    s = app.settings
    app.warm()
    texts = {p.source: p.text for p in paragraphs}
    out.mkdir(parents=True, exist_ok=True)
    with _bar(len(questions), "questions") as bar, open(out / "rows.partial.jsonl", "w", encoding="utf-8") as log:
        def on_row(row: dict) -> None:  # a long run can be inspected (or salvaged) before it ends
            log.write(json.dumps(row) + "\n")
            log.flush()
            bar.update(1)

        rows, aggregates = squad.evaluate(app, questions, texts, on_row)
    (out / "rows.partial.jsonl").unlink()
    result = {"settings": report.settings_dict(s), "ingest": ingested.summary(), "aggregates": aggregates,
              "paragraphs": len(paragraphs), "half": which, "rows": rows,
              "retrieval_depth_chunks": max(s.k, squad.DEPTH)}
    return result, report.squad_table(aggregates), report.squad_chart


def run_reader(settings: Settings, dataset: Path | None, out: Path, limit: int | None = None, seed: int = 0,
               half: str = "odd") -> int:
    """The reader alone: each answerable question read from its gold paragraph, always answering."""
    kind, data = detect(Path(dataset or SQUAD))
    if kind != "squad":
        raise InputError("--reader needs a SQuAD v2 file")
    paragraphs, questions = squad.parse(squad.half(data, half))
    texts = {p.source: p.text for p in paragraphs}
    questions = squad.sample([q for q in questions if not q.impossible], limit, seed)
    reader = default_reader(*reader_args(settings))
    rows, started = [], time.perf_counter()
    with _bar(len(questions), "questions") as bar:
        for q in questions:
            best = reader.read(q.question, [texts[q.source]]).best
            pred = best.text if best else ""
            rows.append({"id": q.id, "prediction": pred,
                         "em": float(any(M.normalize(pred) == M.normalize(a) for a in q.answers)),
                         "f1": max(M.token_f1(pred, a) for a in q.answers)})
            bar.update(1)
    n = len(rows) or 1
    aggregates = {"questions": len(rows), "em": sum(r["em"] for r in rows) / n, "f1": sum(r["f1"] for r in rows) / n,
                  "ms_per_question": 1000 * (time.perf_counter() - started) / n}
    out.mkdir(parents=True, exist_ok=True)
    (out / "reader.json").write_text(json.dumps({"half": half, "aggregates": aggregates, "rows": rows}, indent=1),
                                     encoding="utf-8")
    print(f"reader on the gold paragraph, SQuAD 2.0 dev {half} half, answerable questions, always answering:")
    print(f"  questions {aggregates['questions']}  EM {aggregates['em']:.3f}  F1 {aggregates['f1']:.3f}  "
          f"{aggregates['ms_per_question']:.0f} ms/question")
    return 0


def index_squad(settings: Settings, paragraphs: list[squad.Paragraph]) -> tuple[App, IngestReport]:
    """An App over a collection holding exactly these paragraphs, ingested (unchanged ones skipped).

    One collection per paragraph set (named by its digest), so a second run reuses the index.
    """
    digest = hashlib.sha256(json.dumps([p.text for p in paragraphs]).encode("utf-8")).hexdigest()[:10]
    app = App(settings.with_(collection=f"eval_squad_{digest}"))
    with _bar(len(paragraphs), "paragraphs") as bar:
        def counted():
            for p in paragraphs:
                bar.update(1)
                yield p
        ingested = squad.ingest(counted(), app)
    return app, ingested


def _bar(total: int, unit: str):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit[:-1], desc=unit, file=sys.stderr, dynamic_ncols=True, mininterval=1.0)
