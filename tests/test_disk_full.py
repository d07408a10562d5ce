"""A full disk, for real: the data folder on a small tmpfs filled to the last byte, mounted in a user
namespace (`unshare -rm`, no root needed); real `newsrag` processes run inside it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ARTICLES, BIN, cli

pytestmark = pytest.mark.slow

FIRST = ARTICLES / "003_f3e8cce4618215f0.txt"
QUESTION = "When will the US and Russia start talks?"


def harbour_records(path) -> None:
    """An article of 1,200 sentences: its vectors need more room than the data folder's 1 MB reserve."""
    lines = ["Harbour records of Quillmere", ""]
    lines += [f"In {1800 + i}, the harbour of Quillmere recorded {i * 7 % 997} visitors and {i % 89} repairs."
              for i in range(1200)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def can_mount() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


def size_of(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_full_disk_is_one_line_and_answers_keep_coming(tmp_path):
    if not can_mount():
        pytest.skip("user namespaces are off here: no tmpfs without root")
    home, mnt, out = tmp_path / "home", tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    second = tmp_path / "harbour.txt"
    harbour_records(second)
    assert cli("ingest", str(FIRST), home=home).returncode == 0
    assert cli("ask", QUESTION, home=home).returncode == 0  # the BM25 snapshot is saved: nothing left to write
    newsrag = f"env NEWSRAG_HOME={mnt}/home {BIN}/newsrag"
    script = f"""
        mount -t tmpfs -o size={size_of(home) // 1_000_000 + 24}m tmpfs {mnt} || exit 99
        cp -a {home} {mnt}/home
        for size in 1M 4k 512 1; do dd if=/dev/zero of={mnt}/fill-$size bs=$size 2>/dev/null; done
        {newsrag} ask --json "{QUESTION}" >{out}/ask.out 2>{out}/ask.err; echo $? >{out}/ask.rc
        {newsrag} ingest {second} >{out}/ingest.out 2>{out}/ingest.err; echo $? >{out}/ingest.rc
        {newsrag} ask --json "{QUESTION}" >{out}/again.out 2>{out}/again.err; echo $? >{out}/again.rc
        rm {mnt}/fill-*
        {newsrag} ingest {second} >{out}/healed.out 2>{out}/healed.err; echo $? >{out}/healed.rc
        {newsrag} list >{out}/list.out 2>&1
    """
    ran = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=900)
    assert ran.returncode == 0, ran.stderr

    def said(name: str) -> tuple[int, str, str]:
        return (int((out / f"{name}.rc").read_text()), (out / f"{name}.out").read_text(),
                (out / f"{name}.err").read_text())

    code, stdout, stderr = said("ask")
    assert code == 0 and '"answerable": true' in stdout, stderr  # nothing needs writing to answer
    code, _, stderr = said("ingest")
    assert code == 1 and stderr.strip().splitlines()[-1].startswith(f"newsrag: error: no space left in {mnt}/home"), \
        stderr[-500:]
    assert "Traceback" not in stderr and "InternalError" not in stderr and "unexpected" not in stderr
    code, stdout, stderr = said("again")  # still full: the index that was there still answers
    assert code == 0 and '"answerable": true' in stdout, stderr
    code, _, stderr = said("healed")  # room again: the same command simply works
    assert code == 0, stderr
    assert "2 articles" in (out / "list.out").read_text()
