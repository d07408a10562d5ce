"""The README and docs/ stay short and linked: every relative link resolves, the README fits a first screen or so."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from conftest import ARTICLES, ROOT, shared_pages
from newsrag import cli

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and ![alt](target), not inside `code`; and reference definitions `[name]: target`.
INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+[\"'][^\"']*[\"'])?\s*$", re.M)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")


def links(text: str) -> list[str]:
    """Link targets of a markdown page, outside fenced blocks and inline code."""
    prose = CODE.sub("", FENCE.sub("", text))
    return INLINE.findall(prose) + REFERENCE.findall(prose)


def relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("#")


PENDING: set[Path] = set()  # pages written on another branch, allowed to dangle until merged


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path):
    missing = []
    for target in filter(relative, links(page.read_text(encoding="utf-8"))):
        path = (page.parent / target.split("#", 1)[0]).resolve()
        if not path.exists() and path not in PENDING:
            missing.append(target)
    assert not missing, f"{page.name}: broken links {missing}"


def test_readme_is_short_and_keeps_the_essentials():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    for must in ("make run", "make test", "docs/screenshot.png", "## How it works", "--chroma-url", "--backend"):
        assert must in text, must


def test_link_parser_sees_links_and_skips_code():
    text = "See [a](docs/a.md) and ![b](b.png 'x').\n`[c](nope.md)`\n```\n[d](nope2.md)\n```\n[e]: ref.md\n"
    assert links(text) == ["docs/a.md", "b.png", "ref.md"]
    assert not relative("https://example.com/x") and not relative("#section") and relative("docs/a.md")


# -- the README's example is what the code prints -------------------------------------------------------
EXAMPLE = re.compile(r"^## Example\n.*?^```console\n(.*?)^```", re.M | re.S)
ASK = re.compile(r"^\$ newsrag (ask .*?)(?:\s+#.*)?$", re.M)


def readme_example() -> list[tuple[list[str], str]]:
    """The example's commands (arguments after `newsrag`) and the output the README shows for each."""
    block = EXAMPLE.search((ROOT / "README.md").read_text(encoding="utf-8")).group(1)
    found = list(ASK.finditer(block))
    ends = [m.start() for m in found[1:]] + [len(block)]
    return [(shlex.split(m.group(1)), block[m.end():end].strip("\n")) for m, end in zip(found, ends)]


@pytest.mark.slow
def test_readme_example_is_what_the_current_code_prints(tmp_path, capsys):
    """Over the five bundled articles and the real Nature page, each `newsrag ask` of the README's example
    prints exactly what the README shows (offsets and all): regenerate the README when the code changes."""
    page, = shared_pages("nature.com.telescope.html")
    folder = tmp_path / "articles"
    folder.mkdir()
    for path in [*ARTICLES.glob("*.txt"), page]:
        shutil.copy(path, folder / path.name)
    assert cli.main(["ingest", str(folder)]) == 0
    capsys.readouterr()
    examples = readme_example()
    assert len(examples) >= 3
    for argv, shown in examples:
        cli.main(argv)
        assert capsys.readouterr().out.rstrip("\n") == shown, argv


def test_readme_states_the_offsets_contract_once():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count('"offsets": "readable"') == 1 and text.count('"offsets": "file"') == 1
    assert "raw file" not in text
