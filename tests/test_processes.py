"""Several real processes on one data folder, and a Chroma server that goes away (127.0.0.1, bounded)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, wait

import pytest

from conftest import ARTICLES, BIN, cli, free_port, running
from gradio_http import Page, RawGradio

pytestmark = pytest.mark.slow


def env_for(home, **extra) -> dict:
    return {**os.environ, "NEWSRAG_HOME": str(home), **extra}


run = cli


def folders(tmp_path):
    a, b = tmp_path / "colA", tmp_path / "colB"
    for folder, names in ((a, sorted(ARTICLES.glob("*.txt"))[:3]), (b, sorted(ARTICLES.glob("*.txt"))[3:])):
        folder.mkdir()
        for p in names:
            shutil.copy(p, folder / p.name)
    return a, b


def test_two_ingests_at_once_both_succeed_or_one_is_told(tmp_path):
    home = tmp_path / "home"
    a, b = folders(tmp_path)
    env = env_for(home)
    procs = [subprocess.Popen([str(BIN / "newsrag"), "ingest", str(f)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in (a, b)]
    results = [(p.wait(300), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert "Traceback" not in err and "InternalError" not in err and "unexpected" not in err, err
        assert code == 0 or ("in use by newsrag ingest" in err and code == 1), err
    for (code, _, _), folder in zip(results, (a, b)):
        if code:  # the one that was told to wait simply runs again
            assert run("ingest", str(folder), home=home).returncode == 0
    assert "5 articles" in run("list", home=home).stdout


class Reader:
    """`newsrag ask - --json`: one long-running reader process, one question per line."""

    def __init__(self, home, *flags):
        self.proc = subprocess.Popen([str(BIN / "newsrag"), "ask", "-", "--json", "-k", "30", *flags],
                                     env=env_for(home), text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def ask(self, question: str) -> dict:
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait(60) == 0, self.proc.stderr.read()


QUESTIONS = ("When will the US and Russia start talks?", "What did Russia demand?",
             "Who is the Kremlin spokesman?", "Which TV channel interviewed Lavrov?")
FERRY = ("Quillmere ferry\n\nThe Zorblatt ferry between Quillmere and Northpoint starts sailing on 14 March, "
         "the harbour office said.\n")


def test_embedded_writers_wait_for_a_running_reader(tmp_path):
    home = tmp_path / "home"
    a, b = folders(tmp_path)
    assert run("ingest", str(a), str(b), home=home).returncode == 0
    gone = sorted(p.name for p in b.iterdir())[0]
    reader = Reader(home)
    try:
        assert reader.ask(QUESTIONS[0])["citations"]
        refused = run("remove", gone, home=home)
        assert refused.returncode == 1 and "in use by newsrag ask" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        assert all(reader.ask(q)["answer"] for q in QUESTIONS)
    finally:
        reader.close()
    assert run("remove", gone, home=home).returncode == 0


def test_a_server_mode_reader_sees_remove_and_ingest_before_its_next_answer(tmp_path):
    home = tmp_path / "home"
    a, b = folders(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chroma = shutil.which("chroma", path=str(BIN)) or "chroma"
    with running([chroma, "run", "--path", str(tmp_path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                  f"{url}/api/v2/heartbeat", log=tmp_path / "chroma.log", timeout=60):
        assert run("ingest", str(a), str(b), "--chroma-url", url, home=home).returncode == 0
        gone = sorted(p.name for p in b.iterdir())[0]
        reader = Reader(home, "--chroma-url", url)
        try:
            assert reader.ask(QUESTIONS[0])["citations"]
            assert run("remove", gone, "--chroma-url", url, home=home).returncode == 0
            for question in QUESTIONS:  # never a crash on a sentence or chunk that vanished
                assert all(c["source"] != gone for c in reader.ask(question)["citations"])
            new = tmp_path / "new"
            new.mkdir()
            (new / "ferry.txt").write_text(FERRY, encoding="utf-8")
            assert run("ingest", str(new), "--chroma-url", url, home=home).returncode == 0
            result = reader.ask("When does the Zorblatt ferry start sailing?")
            assert any(c["source"] == "ferry.txt" for c in result["citations"]), result
        finally:
            reader.close()


def test_unreachable_chroma_server_is_named_in_the_api_and_the_cli(tmp_path):
    home = tmp_path / "home"
    chroma_port, port = free_port(), free_port()
    url = f"http://127.0.0.1:{chroma_port}"
    chroma = shutil.which("chroma", path=str(BIN)) or "chroma"
    server = running([chroma, "run", "--path", str(tmp_path / "db"), "--host", "127.0.0.1", "--port", str(chroma_port)],
                     f"{url}/api/v2/heartbeat", log=tmp_path / "chroma.log", timeout=60)
    page = [str(BIN / "newsrag"), "serve", "--port", str(port), "--chroma-url", url]
    with server as chroma_proc:
        assert run("ingest", str(ARTICLES), "--chroma-url", url, home=home).returncode == 0
        with running(page, f"http://127.0.0.1:{port}/gradio_api/startup-events", env=env_for(home),
                     log=tmp_path / "serve.log"):
            g = RawGradio(f"http://127.0.0.1:{port}")
            config = g.config()
            fn = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")
            assert g.call(fn, ["Who is the Kremlin spokesman?", None, None, None, None])["success"]
            chroma_proc.terminate()
            chroma_proc.wait(30)
            failed = g.call(fn, ["Who is the Kremlin spokesman?", None, None, None, None])
            assert not failed["success"] and f"cannot reach the Chroma server at {url}" in failed["error"], failed
            assert "Unexpected" not in failed["error"]
    said = run("ask", "Who is the Kremlin spokesman?", "--chroma-url", url, home=home)
    assert said.returncode == 1 and f"cannot reach the Chroma server at {url}" in said.stderr
    assert len(said.stderr.strip().splitlines()) == 1


def test_a_hung_chroma_server_holds_no_worker_longer_than_the_timeout(tmp_path):
    """SIGSTOP the `chroma run` process: six concurrent /ask calls (four queue workers) and a CLI `ask` each
    get the one-line message within about the timeout (2 s here), then answers resume after SIGCONT."""
    home, chroma_port, port, timeout = tmp_path / "home", free_port(), free_port(), 2.0
    url = f"http://127.0.0.1:{chroma_port}"
    chroma = shutil.which("chroma", path=str(BIN)) or "chroma"
    server = running([chroma, "run", "--path", str(tmp_path / "db"), "--host", "127.0.0.1", "--port", str(chroma_port)],
                     f"{url}/api/v2/heartbeat", log=tmp_path / "chroma.log", timeout=60)
    page = [str(BIN / "newsrag"), "serve", "--port", str(port), "--chroma-url", url]
    env = env_for(home, NEWSRAG_CHROMA_TIMEOUT=str(timeout))
    with server as chroma_proc:
        assert run("ingest", str(ARTICLES), "--chroma-url", url, home=home).returncode == 0
        with running(page, f"http://127.0.0.1:{port}/gradio_api/startup-events", env=env, log=tmp_path / "serve.log"):
            fn = next(d["id"] for d in RawGradio(f"http://127.0.0.1:{port}").config()["dependencies"]
                      if d.get("api_name") == "ask")

            def ask(_=None) -> tuple[dict, float]:
                start = time.monotonic()
                result = RawGradio(f"http://127.0.0.1:{port}", timeout=30).call(fn, [QUESTIONS[2], None, None, None, None])
                return result, time.monotonic() - start

            assert ask()[0]["success"]
            pool = ThreadPoolExecutor(6)
            os.kill(chroma_proc.pid, signal.SIGSTOP)
            try:
                asked = [pool.submit(ask) for _ in range(6)]
                pending = wait(asked, timeout=4 * timeout + 20).not_done  # bounded, even when nothing times out
                start = time.monotonic()
                said = subprocess.run([str(BIN / "newsrag"), "ask", QUESTIONS[2], "--chroma-url", url], env=env,
                                      capture_output=True, text=True, timeout=60)
                cli_seconds = time.monotonic() - start
            finally:
                os.kill(chroma_proc.pid, signal.SIGCONT)
                pool.shutdown()
            assert not pending, f"{len(pending)} of 6 questions still waiting on the stopped server"
            results = [f.result() for f in asked]
            print(f"hung server, timeout {timeout:g} s: /ask answered in {sorted(round(s, 2) for _, s in results)} s; "
                  f"CLI ask in {cli_seconds:.1f} s")
            for result, seconds in results:
                assert not result["success"] and f"cannot reach the Chroma server at {url}: no answer within 2 s" \
                    in result["error"], result
                assert seconds < 2 * timeout + 3, results  # about the timeout, not one timeout per queued request
            assert said.returncode == 1 and "no answer within 2 s" in said.stderr, said.stderr
            assert len(said.stderr.strip().splitlines()) == 1 and cli_seconds < 45
            time.sleep(timeout)  # after the pause the next call tries the server again
            assert ask()[0]["success"]


@pytest.mark.server
def test_ingest_workers_share_one_chroma_server_and_one_lexical_index(tmp_path):
    """Three `newsrag ingest` processes (each its own data folder, as on three machines) write at once
    to one Chroma server and one lexical index; a reader elsewhere then finds every article."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chroma = shutil.which("chroma", path=str(BIN)) or "chroma"
    lexical = tmp_path / "shared-lexical"
    names = sorted(ARTICLES.glob("*.txt"))
    with running([chroma, "run", "--path", str(tmp_path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                 f"{url}/api/v2/heartbeat", log=tmp_path / "chroma.log", timeout=60):
        procs = []
        for i in range(3):
            folder = tmp_path / f"desk{i}"
            folder.mkdir()
            for p in names[i::3]:
                shutil.copy(p, folder / p.name)
            env = env_for(tmp_path / f"home{i}", NEWSRAG_CHROMA_URL=url, NEWSRAG_LEXICAL_DIR=str(lexical))
            procs.append(subprocess.Popen([str(BIN / "newsrag"), "ingest", str(folder)], env=env, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        for p in procs:
            code, (_, err) = p.wait(600), p.communicate()
            assert code == 0 and "Traceback" not in err, err
        env = env_for(tmp_path / "reader", NEWSRAG_CHROMA_URL=url, NEWSRAG_LEXICAL_DIR=str(lexical))
        listed = subprocess.run([str(BIN / "newsrag"), "list"], env=env, capture_output=True, text=True, timeout=120)
        assert f"{len(names)} articles" in listed.stdout, listed.stdout
        from newsrag.index.fulltext import FullText

        (index,) = lexical.glob("*.sqlite")
        assert set(FullText(index).hashes()) == {p.name for p in names}
        asked = subprocess.run([str(BIN / "newsrag"), "ask", "--json", QUESTIONS[3]], env=env, capture_output=True,
                               text=True, timeout=300)
        assert asked.returncode == 0 and json.loads(asked.stdout)["citations"], asked.stderr


def test_an_embedded_page_takes_a_command_line_ingest_and_answers_from_it(tmp_path):
    """`newsrag ingest` next to a writable embedded `newsrag serve`: handed to the page, not refused."""
    home = tmp_path / "home"
    a, _ = folders(tmp_path)
    assert run("ingest", str(a), home=home).returncode == 0
    port = free_port()
    page = [str(BIN / "newsrag"), "serve", "--port", str(port)]
    with running(page, f"http://127.0.0.1:{port}/gradio_api/startup-events", env=env_for(home),
                 log=tmp_path / "serve.log", timeout=300):
        new = tmp_path / "new"
        new.mkdir()
        (new / "ferry.txt").write_text(FERRY, encoding="utf-8")
        done = run("ingest", str(new), home=home)
        assert done.returncode == 0 and "added   ferry.txt" in done.stdout, done.stderr
        assert "newsrag serve holds the data folder" in done.stderr
        answer = Page(f"http://127.0.0.1:{port}").ask("When does the Zorblatt ferry start sailing?")
        assert "ferry.txt" in json.dumps(answer), answer
