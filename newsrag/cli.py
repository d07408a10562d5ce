"""`newsrag` command line: collects arguments, calls the core, turns errors into one-line messages."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from newsrag.app import App
from newsrag.errors import BackendError, InputError, NewsragError
from newsrag.index import inbox
from newsrag.index.ingest import IngestReport
from newsrag.index.load import printable
from newsrag.index.lock import data_lock
from newsrag.rag.backends import BACKENDS
from newsrag.settings import Settings
from tqdm import tqdm


def _offline_env() -> None:
    # Models come from installed packages; the hub libraries must never try the network.
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false"),
                       ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error"),
                       ("ANONYMIZED_TELEMETRY", "False"), ("GRADIO_ANALYTICS_ENABLED", "False")):
        os.environ.setdefault(key, value)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help="data folder (default ./.newsrag, or $NEWSRAG_HOME)")
    common.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    common.add_argument("-k", type=int, help="number of passages to retrieve")
    common.add_argument("--backend", choices=list(BACKENDS),
                        help="answer backend (default: extractive, or $NEWSRAG_BACKEND)")
    common.add_argument("--base-url", help="OpenAI-compatible server URL, e.g. http://localhost:11434/v1 "
                                           "(backend openai; API key from $OPENAI_API_KEY)")
    common.add_argument("--model", help="model name (openai) or GGUF path (llamacpp)")
    common.add_argument("--timeout", type=float, help="seconds to wait for a model reply (default 60)")

    p = argparse.ArgumentParser(prog="newsrag", description="Ask questions about news articles; get cited answers.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ingest", parents=[common], help="index article files or folders (idempotent)")
    s.add_argument("paths", nargs="+", type=Path)
    s = sub.add_parser("ask", parents=[common], help="answer a question with numbered citations")
    s.add_argument("question", help="the question, or - to read one question per line from stdin")
    s.add_argument("--json", action="store_true", help="print the answer as JSON (one object per line)")
    s.add_argument("--outlet", action="append", metavar="NAME", help="only this outlet (any case; repeatable)")
    s.add_argument("--since", metavar="DATE", help="only articles published on or after DATE (YYYY-MM-DD)")
    s.add_argument("--until", metavar="DATE", help="only articles published on or before DATE (YYYY-MM-DD)")
    s.add_argument("--source", action="append", metavar="FILE", help="only this article file (repeatable)")
    s = sub.add_parser("list", parents=[common], help="list the indexed articles")
    s.add_argument("--json", action="store_true", help="print one JSON object per article")
    s = sub.add_parser("show", parents=[common], help="print an article's stored text, or the span START:END of it "
                                                      "(what a citation's offsets index)")
    s.add_argument("source", help="the article, as newsrag list names it")
    s.add_argument("span", nargs="?", metavar="START:END", help="only these offsets, e.g. a citation's 284:352")
    s = sub.add_parser("remove", parents=[common], help="drop an article and all its chunks")
    s.add_argument("sources", nargs="+")
    s = sub.add_parser("serve", parents=[common], help="open the chat in the browser")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--read-only", action="store_true", help="no upload or remove on the page (a read-only mirror)")
    s.add_argument("--auth-file", type=Path, help="require a login; users from this file (see: newsrag passwd)")
    s = sub.add_parser("passwd", help="add or change a page user (password read from the terminal or stdin)")
    s.add_argument("user")
    s.add_argument("--file", type=Path, required=True, help="the password file given to serve --auth-file")
    s.add_argument("--editor", action="store_true", help="may upload and remove articles (default: ask only)")
    s = sub.add_parser("eval", parents=[common], help="run the scripted QA evaluation (or a SQuAD v2 file)")
    s.add_argument("dataset", nargs="?", type=Path)
    s.add_argument("--out", type=Path, default=Path("eval-results"))
    s.add_argument("--limit", type=int)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--half", choices=("all", "even", "odd"), default="all",
                   help="SQuAD only: the articles at odd (held-out) or even (fitting) positions")
    s.add_argument("--articles", type=Path, help="the folder a QA set's sources are in (default: articles/, "
                   "or ../shared/data/html for eval/qa/pages.jsonl)")
    s.add_argument("--reader", action="store_true",
                   help="SQuAD only: the trained reader alone on each question's gold paragraph, always answering")
    s = sub.add_parser("bench", parents=[common], help="measure ingest speed, query latency, cold start, memory")
    s.add_argument("--out", type=Path, default=Path("bench-results"))
    s.add_argument("--chunks", type=int, default=100_000, help="size of the large generated corpus (0 skips it)")
    s.add_argument("--squad", type=Path, help="SQuAD v2 JSON for real text (default ../shared/data/squad2-dev.json)")
    s.add_argument("--upload-mb", type=float, default=9.9,
                   help="size of the file uploaded in the background while asking (0 skips it)")
    s.add_argument("--only-upload", action="store_true", help="measure only that upload and print it")
    s.add_argument("--scale", metavar="SIZES",
                   help="only the scale bench: comma-separated corpus sizes in chunks (e.g. 10000,30000,100000), "
                        "built in turn against a `chroma run` server, each figure beside a bare Chroma collection")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    if not hasattr(args, "home"):  # a command without the common options (passwd)
        return Settings.from_env()
    return Settings.from_env(
        home=Path(args.home) if args.home else None, chroma_url=args.chroma_url, k=args.k,
        backend=args.backend, llm_base_url=args.base_url, llm_model=args.model, llm_timeout=args.timeout,
    )


def main(argv: list[str] | None = None) -> int:
    _offline_env()
    args = _parser().parse_args(argv)
    try:
        settings = settings_from(args)
        return COMMANDS[args.command](args, settings) or 0
    except NewsragError as e:
        say(f"newsrag: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsrag: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # the edge: no traceback for the user, but say what happened
        if os.environ.get("NEWSRAG_DEBUG"):
            raise
        say(f"newsrag: unexpected error: {type(e).__name__}: {e} (set NEWSRAG_DEBUG=1 for details)", file=sys.stderr)
        return 2


def cmd_ingest(args, settings: Settings) -> int:
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None or bar.total != total:
            if bar is not None:
                bar.close()
            bar = tqdm(total=total, desc="embedding sentences", unit="sent", file=sys.stderr)
        bar.update(done - bar.n)

    try:
        with data_lock(settings, "newsrag ingest"):  # before opening: the store's vector index is loaded once
            report = App(settings).ingest(args.paths, progress)
    except BackendError:
        if settings.chroma_url or not inbox.served(settings.home):
            raise
        say("newsrag serve holds the data folder: it ingests these files, questions go on", file=sys.stderr)
        report = _handed(inbox.submit(settings.home, args.paths))
    finally:  # the bar's last line before any error, which is then the last line
        if bar is not None:
            bar.close()
    for name, reason in report.skipped:
        say(f"skipped {name}: {reason}", file=sys.stderr)
    for name, reason in report.failed:
        say(f"failed  {reason}", file=sys.stderr)
    for where, reason in report.warnings:
        say(f"warning {where}: {reason}", file=sys.stderr)
    for label, names in (("added", report.added), ("updated", report.updated)):
        for name in names:
            say(f"{label:8}{name}")
    print(report.summary())
    return 1 if report.failed else 0


def _handed(got: dict) -> IngestReport:
    """The report of an ingest the serving process ran for us (index/inbox.py)."""
    if "error" in got:
        raise BackendError(got["error"])
    return IngestReport(**{k: v for k, v in got.items() if k != "summary"})


def _questions(arg: str):
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


def cmd_ask(args, settings: Settings) -> int:
    from newsrag.rag.filters import Filters

    filters = Filters.parse(args.outlet, args.since, args.until, args.source)
    # shared: other readers are welcome, but no process may write under our loaded vector index
    with data_lock(settings, "newsrag ask", shared=True):
        return _ask(args, App(settings).chain(), filters)


def _ask(args, chain, filters) -> int:
    status = 0
    for question in _questions(args.question):
        try:
            result = chain.invoke({"question": question, "filters": filters})
        except InputError as e:
            if args.question != "-":
                raise
            say(f"newsrag: error: {e}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            print(json_line(result), flush=True)
        else:
            say(format_answer(result), flush=True)
    return status


def format_answer(result: dict) -> str:
    lines = [result["answer"]]
    unsupported = [s["text"] for s in result.get("sentences", []) if not s["supported"]]
    for text in unsupported:
        lines.append(f"  (unsupported by its citations: {text})")
    if result.get("notice"):
        lines.append(f"Note: {result['notice']}")
    if result["citations"]:
        lines.append("")
        lines.append("Sources:")
        for c in result["citations"]:
            quote = " ".join(c["text"].split())
            lines.append(f"[{c['n']}] {source_line(c)}")
            lines.append(f"    {c['start']}-{c['end']}: {quote}")
    return "\n".join(lines)


def source_line(c: dict) -> str:
    """"Reuters, 2020-01-20 — title (file)"; unknown outlet or date are left out, never guessed."""
    who = ", ".join(x for x in (c.get("outlet"), c.get("published")) if x)
    return f"{who + ' — ' if who else ''}{c['title']} ({c['source']})"


def cmd_list(args, settings: Settings) -> int:
    articles = App(settings).articles()
    if args.json:
        for a in articles:
            print(json_line({"source": a.source, "title": a.title, "outlet": a.outlet, "published": a.published,
                              "url": a.url, "author": a.author, "chunks": a.chunks}))
        return 0
    if not articles:
        print("no articles indexed yet; run: newsrag ingest articles/")
        return 0
    width = max(len(a.source) for a in articles)
    for a in articles:
        who = ", ".join(x for x in (a.outlet, a.published) if x)
        say(f"{a.source:<{width}}  {a.chunks:>4} chunks  {who + ' — ' if who else ''}{a.title[:80]}")
    print(f"{len(articles)} articles, {sum(a.chunks for a in articles)} chunks")
    return 0


def cmd_show(args, settings: Settings) -> int:
    """The stored text a citation's offsets index, whole or `text[START:END]`, made safe for a terminal."""
    found = App(settings).article(args.source)
    if found is None:
        raise InputError(f"not indexed: {printable(args.source)} (see: newsrag list)")
    text = found[0]
    start, end = parse_span(args.span, len(text)) if args.span else (0, len(text))
    say(text[start:end])
    return 0


def parse_span(span: str, length: int) -> tuple[int, int]:
    """"START:END" as offsets into a text of `length` characters (0 <= START < END <= length)."""
    m = re.fullmatch(r"([0-9]+):([0-9]+)", span.strip())
    if not m or not int(m[1]) < int(m[2]) <= length:
        raise InputError(f"bad range {printable(span)!r}: give START:END with 0 <= START < END <= {length} "
                         f"(the article's length)")
    return int(m[1]), int(m[2])


# C0 controls but tab and newline, DEL and C1: what a terminal may act on (ESC[31m colours, ESC]0;...BEL
# retitles, CSI is 0x9b in UTF-8 too). A CR is a line end: kept before LF, a newline on its own.
_CONTROL = re.compile(r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _stand_in(m: re.Match) -> str:
    c = ord(m.group())
    if c == 0x0D:
        return "\n"
    return chr(0x2400 + c) if c < 0x20 else "\u2421" if c == 0x7F else "\ufffd"


def terminal_safe(text: str) -> str:
    """`text` with every control character a terminal acts on shown as one visible character instead:
    its Unicode control picture (ESC -> ␛, BEL -> ␇, DEL -> ␡), U+FFFD for a C1 control, a lone CR as a
    newline. One character for one, so offsets still line up; text without them is printed exactly."""
    return _CONTROL.sub(_stand_in, text)


def json_line(value) -> str:
    """One JSON object per line, with DEL and C1 controls escaped too (json escapes only C0 ones)."""
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def say(text: str, file=None, flush: bool = False) -> None:
    """Print a line of human-readable output that may carry article text (titles, quotes, reasons)."""
    print(terminal_safe(text), file=file or sys.stdout, flush=flush)


def cmd_remove(args, settings: Settings) -> int:
    with data_lock(settings, "newsrag remove"):
        app = App(settings)
        missing = [s for s in args.sources if not app.remove(s)]
    for s in args.sources:
        if s not in missing:
            say(f"removed {s}")
    if missing:
        raise InputError(f"not indexed: {', '.join(missing)} (see: newsrag list)")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from newsrag.ui.app import serve  # Gradio only for the chat: every other command starts seconds sooner

    # held while serving: a writable page is the folder's one writer, a read-only one keeps writers out
    with data_lock(settings, "newsrag serve", shared=args.read_only):
        serve(settings, host=args.host, port=args.port, read_only=args.read_only, auth_file=args.auth_file)
    return 0


def cmd_passwd(args, settings: Settings) -> int:
    import getpass

    from newsrag.ui.auth import set_password

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.user}: ")
        if getpass.getpass("again: ") != password:
            raise InputError("the passwords differ; nothing changed")
    else:  # piped: the first line of stdin, so it never shows in argv or the environment
        password = sys.stdin.readline().rstrip("\r\n")
    new = set_password(args.file, args.user, password, args.editor)
    role = "editor" if args.editor else "reader"
    print(f"{'added' if new else 'updated'} {args.user} ({role}) in {args.file}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from newsrag.eval.run import run as run_eval, run_reader

    if args.reader:
        return run_reader(settings, args.dataset, args.out, limit=args.limit, seed=args.seed, half=args.half)
    return run_eval(settings, args.dataset, args.out, limit=args.limit, seed=args.seed, half=args.half,
                    articles=args.articles)


def cmd_bench(args, settings: Settings) -> int:
    from newsrag.eval.bench import SQUAD, run as run_bench
    from newsrag.eval.scale import run as run_scale

    squad = args.squad or SQUAD
    if not squad.is_file():
        raise InputError(f"{squad}: SQuAD v2 file not found (the benchmark's real text); pass --squad PATH")
    if args.scale:
        return run_scale(args.out, [int(x) for x in args.scale.split(",")], squad_path=squad)
    return run_bench(settings, args.out, big_chunks=args.chunks, squad_path=squad, upload_mb=args.upload_mb,
                     only_upload=args.only_upload)


COMMANDS = {"bench": cmd_bench, "ingest": cmd_ingest, "ask": cmd_ask, "list": cmd_list, "show": cmd_show,
            "remove": cmd_remove, "serve": cmd_serve, "passwd": cmd_passwd, "eval": cmd_eval}

if __name__ == "__main__":
    sys.exit(main())
