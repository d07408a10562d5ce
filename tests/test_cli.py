"""The `newsrag` command end to end, as a user runs it: real processes, real files, one-line errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ARTICLES, BIN, cli

pytestmark = pytest.mark.slow  # every case runs `newsrag` processes, each loading the model, spaCy and the reader


def newsrag(*args, home, stdin=None, check=True):
    proc = cli(*args, home=home, stdin=stdin)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-home")
    folder = tmp_path_factory.mktemp("cli-articles")
    for p in ARTICLES.glob("*.txt"):
        shutil.copy(p, folder / p.name)
    first = newsrag("ingest", str(folder), home=home)
    assert "5 added" in first.stdout and "embedding" in first.stderr  # summary and progress bar
    again = newsrag("ingest", str(folder), home=home)
    assert "0 added, 0 updated, 5 unchanged" in again.stdout
    return home


def test_commands_that_only_read_the_index_start_without_the_chat_or_the_models(home):
    """`list` and `show` load neither Gradio nor torch: each is a quick look, not a model start."""
    probe = ("import sys; from newsrag.cli import main; code = main(sys.argv[1:]); "
             "heavy = sorted(m for m in ('gradio', 'torch', 'sentence_transformers', 'spacy') if m in sys.modules); "
             "print('loaded:', heavy, file=sys.stderr); sys.exit(code)")
    for args in (["list"], ["show", "003_f3e8cce4618215f0.txt", "0:40"]):
        proc = subprocess.run([str(BIN / "python"), "-c", probe, *args], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "NEWSRAG_HOME": str(home)})
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.strip().splitlines()[-1] == "loaded: []", (args, proc.stderr[-300:])


def test_list_and_remove(home, tmp_path):
    listing = newsrag("list", home=home).stdout
    assert "003_f3e8cce4618215f0.txt" in listing and "5 articles" in listing
    assert "US, Russia to start talks on January 10 amid Ukraine crisis" in listing
    scratch = tmp_path / "h"
    shutil.copytree(home, scratch)
    assert "removed" in newsrag("remove", "003_f3e8cce4618215f0.txt", home=scratch).stdout
    assert "003_f3e8cce4618215f0.txt" not in newsrag("list", home=scratch).stdout
    bad = newsrag("remove", "nope.txt", home=scratch, check=False)
    assert bad.returncode == 1 and bad.stderr.strip() == "newsrag: error: not indexed: nope.txt (see: newsrag list)"


def test_ask_text_and_json(home):
    text = newsrag("ask", "What did Russia demand?", home=home).stdout
    assert "[1]" in text and "Sources:" in text
    result = json.loads(newsrag("ask", "--json", "What did Russia demand?", home=home).stdout)
    assert result["answerable"] and len(result["citations"]) >= 2
    for c in result["citations"]:
        assert (ARTICLES / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["text"]


def test_ask_json_lines_from_stdin(home):
    questions = "Which TV channel interviewed Lavrov?\n\nWho won the 2018 FIFA World Cup?\n" + "x" * 10_000 + "\n"
    proc = newsrag("ask", "--json", "-", home=home, stdin=questions, check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["answerable"] for r in lines] == [True, False]
    assert lines[1]["citations"] == []
    assert proc.returncode == 1 and "too long" in proc.stderr and "Traceback" not in proc.stderr


def test_show_reproduces_every_citation_and_the_whole_text(home):
    result = json.loads(newsrag("ask", "--json", "What did Russia demand?", home=home).stdout)
    for c in result["citations"]:
        assert c["offsets"] == "file"
        assert newsrag("show", c["source"], f"{c['start']}:{c['end']}", home=home).stdout == c["text"] + "\n"
    whole = newsrag("show", "003_f3e8cce4618215f0.txt", home=home).stdout
    assert whole == (ARTICLES / "003_f3e8cce4618215f0.txt").read_text(encoding="utf-8") + "\n"


HOSTILE = ("Council \x1b[31mvotes\x1b]0;pwned\x07\n\nThe council met \x1b[2J\x9b1mon Tuesday in Quillmere.\tIt voted "
           "for the Zorblatt bridge.\r\n")
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what a terminal acts on (tab, newline and CRLF aside)


def test_no_control_character_from_an_article_reaches_the_terminal(home, tmp_path):
    """ESC[31m colours, ESC]0;...BEL retitles the terminal, CSI (0x9b) in UTF-8 too: each is shown as one
    visible stand-in (its Unicode control picture, or U+FFFD for C1), so offsets still line up."""
    scratch = tmp_path / "h"
    shutil.copytree(home, scratch)
    story = tmp_path / "a" / "escape.txt"
    story.parent.mkdir()
    story.write_bytes(HOSTILE.encode("utf-8"))
    newsrag("ingest", str(story.parent), home=scratch)
    listing = newsrag("list", home=scratch).stdout
    answer = newsrag("ask", "When did the council meet in Quillmere?", home=scratch).stdout
    as_json = newsrag("ask", "--json", "When did the council meet in Quillmere?", home=scratch).stdout
    listed = newsrag("list", "--json", home=scratch).stdout
    shown = show(scratch, "escape.txt")
    for out in (listing, answer, as_json, listed, shown):
        assert not RAW.search(out.replace("\r\n", "\n")), repr(out)
    assert "Council ␛[31mvotes␛]0;pwned␇" in listing and "␛[2J�1mon Tuesday" in answer
    cited = json.loads(as_json)["citations"][0]
    assert "\x1b[2J\x9b1mon Tuesday" in cited["text"]  # JSON carries the exact text, escaped as \u001b
    assert any(json.loads(line)["title"] == "Council \x1b[31mvotes\x1b]0;pwned\x07" for line in listed.splitlines())
    assert shown == HOSTILE.translate(STAND_INS) + "\n"  # one character for one: offsets still line up
    span = show(scratch, "escape.txt", f"{cited['start']}:{cited['end']}")
    assert span == cited["text"].translate(STAND_INS) + "\n"


STAND_INS = {0x1b: "␛", 0x07: "␇", 0x9b: "\ufffd"}


def show(home, *args) -> str:
    """`newsrag show ARGS` as the terminal gets it: bytes decoded, line ends untranslated."""
    proc = subprocess.run([str(BIN / "newsrag"), "show", *args], capture_output=True, timeout=300,
                          env={**os.environ, "NEWSRAG_HOME": str(home)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode("utf-8")


def test_show_prints_line_ends_as_they_are(home, tmp_path):
    """CRLF text comes out byte for byte; a lone CR (old Mac line ends) as a newline, one for one."""
    scratch = tmp_path / "h"
    shutil.copytree(home, scratch)
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "crlf.txt").write_bytes(b"Harbour news\r\n\r\nThe ferry sails at noon.\r\nIt is new.\r\n")
    (folder / "cr.txt").write_bytes(b"Harbour notes\r\rThe tug sails at dawn.\rIt is old.\r")
    newsrag("ingest", str(folder), home=scratch)
    assert show(scratch, "crlf.txt") == "Harbour news\r\n\r\nThe ferry sails at noon.\r\nIt is new.\r\n\n"
    assert show(scratch, "cr.txt") == "Harbour notes\n\nThe tug sails at dawn.\nIt is old.\n\n"


@pytest.mark.parametrize("args, message", [
    (["show", "nope.txt"], "newsrag: error: not indexed: nope.txt (see: newsrag list)"),
    (["show", "003_f3e8cce4618215f0.txt", "10:5"], "newsrag: error: bad range '10:5': give START:END with "
                                                   "0 <= START < END <= 2754 (the article's length)"),
    (["show", "003_f3e8cce4618215f0.txt", "abc"], "newsrag: error: bad range 'abc': give START:END with "
                                                  "0 <= START < END <= 2754 (the article's length)"),
    (["show", "003_f3e8cce4618215f0.txt", "0:2755"], "newsrag: error: bad range '0:2755': give START:END with "
                                                     "0 <= START < END <= 2754 (the article's length)"),
    (["ask", ""], "newsrag: error: the question is empty"),
    (["ask", "x" * 10_000], "newsrag: error: the question is too long (10,000 characters; the limit is 2,000)"),
])
def test_errors_are_one_line(home, args, message):
    proc = newsrag(*args, home=home, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == message


def test_missing_path_is_one_failed_line_and_the_others_are_ingested(home):
    proc = newsrag("ingest", "/nonexistent/folder", str(ARTICLES), home=home, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "failed  /nonexistent/folder: no such file or folder" in proc.stderr.splitlines()
    assert "0 added, 0 updated, 5 unchanged, 1 failed" in proc.stdout


def test_bad_file_fails_but_others_are_indexed(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(ARTICLES / "002_adfc22d6dbd34d9a.txt", folder)
    (folder / "bad.txt").write_bytes(b"\x89PNG\x00\x01garbage")
    proc = newsrag("ingest", str(folder), home=tmp_path / "home", check=False)
    assert proc.returncode == 1
    assert "failed  bad.txt: looks like a binary file, not text" in proc.stderr
    assert "1 added" in proc.stdout and "Traceback" not in proc.stderr
    assert "002_adfc22d6dbd34d9a.txt" in newsrag("list", home=tmp_path / "home").stdout
