"""Who may change the index, probed over raw HTTP against real `newsrag serve` processes on 127.0.0.1.

A plain HTTP client (no gradio_client) joins the queue the way the browser does and tries to upload
and remove: against `--read-only`, and against `--auth-file` anonymously, as a reader and as an editor.
"""

from __future__ import annotations

import os
import shutil
import time

import httpx
import pytest

from conftest import ARTICLES, BIN, cli, free_port, running
from gradio_http import RawGradio

pytestmark = pytest.mark.slow

FAKE = b"US, Russia to start talks on January 10\n\nThe talks were cancelled and the envoys went home.\n"
STORY = b"Quillmere ferry\n\nThe Zorblatt ferry between Quillmere and Northpoint starts sailing on 14 March.\n"
TRUSTED = "003_f3e8cce4618215f0.txt"


newsrag = cli


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """The five articles ingested from the command line, and a password file: alice edits, bob reads."""
    home = tmp_path_factory.mktemp("roles-home")
    assert newsrag("ingest", str(ARTICLES), home=home).returncode == 0
    users = home / "users"
    assert newsrag("passwd", "alice", "--editor", "--file", str(users), home=home, stdin="alice-pw\n").returncode == 0
    assert newsrag("passwd", "bob", "--file", str(users), home=home, stdin="bob-pw\n").returncode == 0
    return home


def serve(home, *flags):
    port = free_port()
    env = {**os.environ, "NEWSRAG_HOME": str(home)}
    # /login_check answers (401 or 200) as soon as the server is up, login or not
    return running([str(BIN / "newsrag"), "serve", "--port", str(port), *flags],
                   f"http://127.0.0.1:{port}/gradio_api/startup-events", env=env, log=home / f"serve-{port}.log")


def url_of(proc) -> str:
    return f"http://127.0.0.1:{proc.args[proc.args.index('--port') + 1]}"


def ask(g: RawGradio, config: dict, question: str) -> dict:
    fn = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")
    return g.call(fn, [question, None, None, None, None])  # the question, then the optional filters


def listed(home) -> str:
    return newsrag("list", home=home).stdout


def test_read_only_page_has_no_write_handler_and_refuses_uploads(home):
    with serve(home, "--read-only") as proc:
        g = RawGradio(url_of(proc))
        config = g.config()
        writes = (("upload", "upload"), ("remove-yes", "click"), ("undo", "click"))
        assert all(g.fn_index(config, elem, event) is None for elem, event in writes)
        before = listed(home)
        for dep in config["dependencies"]:  # every handler the page has, fed what a remove would get
            g.call(dep["id"], [TRUSTED])
        assert listed(home) == before and TRUSTED in before
        up = g.upload({"story.txt": STORY})
        assert up.status_code == 403 and "read-only" in up.text
        recording = g.http.post("/gradio_api/process_recording", files=[("video", ("clip.webm", b"x" * 64, "video/webm"))])
        assert recording.status_code == 403  # Gradio's recording route stores what it is sent
        assert not any((home / "tmp").rglob("story.txt"))
        result = ask(g, config, "Which TV channel interviewed Lavrov?")
        assert result["success"] and "RT" in result["output"][0]["answer"]
        # the serving process keeps writers out of its data folder: a clear line, not a stale index
        for args in (("ingest", str(ARTICLES)), ("remove", TRUSTED)):
            proc_ = newsrag(*args, home=home)
            assert proc_.returncode == 1 and "in use by newsrag serve" in proc_.stderr
            assert len(proc_.stderr.strip().splitlines()) == 1, proc_.stderr


def test_auth_file_requires_a_login_and_an_editor_to_write(home):
    with serve(home, "--auth-file", str(home / "users")) as proc:
        url = url_of(proc)
        anonymous = RawGradio(url)
        assert anonymous.http.get("/config").status_code == 401
        assert anonymous.call(11, [TRUSTED])["status"] == 401
        assert anonymous.upload({"story.txt": STORY}).status_code in (401, 403)
        assert anonymous.login("alice", "wrong") == 400

        bob, alice = RawGradio(url), RawGradio(url)
        assert bob.login("bob", "bob-pw") == 200 and alice.login("alice", "alice-pw") == 200
        config = bob.config()
        remove = bob.fn_index(config, "remove-yes", "click")  # the confirmation, which removes
        upload = bob.fn_index(config, "upload", "upload")
        load = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "articles")
        assert ask(bob, config, "Who is the Kremlin spokesman?")["success"]
        bob.call(load, [])  # fill the session's remove choices, as the page does
        refused = bob.call(remove, [TRUSTED])
        assert not refused["success"] and "Only editors" in refused["error"]
        assert bob.upload({"story.txt": STORY}).status_code == 403
        assert TRUSTED in listed(home)

        # the editor: upload, no replacing a CLI-ingested article, distinct names, remove
        sent = alice.upload({"story.txt": STORY, TRUSTED: FAKE, "report (1).txt": STORY, "report_1.txt": STORY})
        assert sent.status_code == 200
        names = ["story.txt", TRUSTED, "report (1).txt", "report_1.txt"]
        done = alice.call(upload, [[RawGradio.file_data(p, n) for p, n in zip(sent.json(), names)]])
        assert done["success"], done
        status = done["output"][0]
        assert "story.txt&#58; added" in status
        assert "cannot be replaced" in status
        after = listed(home)
        assert "report_1.txt" in after and "report_1-" in after and "story.txt" in after
        assert not any((home / "tmp").rglob("story.txt"))  # Gradio's temporary copy is gone
        result = ask(alice, config, "When will the US and Russia start talks?")["output"][0]
        assert all(FAKE.decode() not in c["text"] for c in result["citations"])
        alice.call(load, [])
        removed = alice.call(remove, ["story.txt"])
        assert removed["success"] and "story.txt" not in listed(home)
        # a writable page is its data folder's one writer: the command line is told so, in one line
        cli = newsrag("remove", TRUSTED, home=home)
        assert cli.returncode == 1 and "in use by newsrag serve" in cli.stderr and TRUSTED in listed(home)
    assert newsrag("remove", TRUSTED, home=home).returncode == 0  # once it stopped


def test_non_loopback_host_without_auth_or_read_only_refuses_to_start(home):
    proc = newsrag("serve", "--host", "0.0.0.0", "--port", str(free_port()), home=home)
    assert proc.returncode == 1 and "without --auth-file or --read-only" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_passwd_stores_only_a_salted_hash(home, tmp_path):
    users = tmp_path / "users"
    for _ in range(2):
        assert newsrag("passwd", "carol", "--file", str(users), home=home, stdin="s3cret-pass\n").returncode == 0
    text = users.read_text(encoding="utf-8")
    assert "s3cret-pass" not in text and text.count("carol:") == 1 and text.startswith("carol:scrypt$")
    assert oct(users.stat().st_mode & 0o777) == "0o600"
    from newsrag.ui.auth import Users, hash_password

    accounts = Users.load(users)
    assert accounts.check("carol", "s3cret-pass") and not accounts.check("carol", "s3cret-pas")
    assert not accounts.is_editor("carol") and hash_password("x") != hash_password("x")


def _login(url: str, user: str, password: str) -> tuple[int, float, dict]:
    with httpx.Client(base_url=url, timeout=30) as http:
        start = time.monotonic()
        r = http.post("/login", data={"username": user, "password": password})
        return r.status_code, time.monotonic() - start, dict(r.headers)


def test_logins_take_as_long_for_unknown_users_and_back_off(home):
    """Raw POSTs to /login: an unknown name costs what a real one does; a user, then an address, is locked
    out with growing waits (429 + Retry-After, before any hashing) and each lockout is logged."""
    with serve(home, "--auth-file", str(home / "users")) as proc:
        url = url_of(proc)
        unknown, known = [], []
        for i in range(4):  # interleaved, and the fastest of each compared: a loaded machine only adds delay
            unknown.append(_login(url, f"ghost{i}", "guess")[1])
            known.append(_login(url, "alice", "guess")[1])
        assert min(unknown) > 0.5 * min(known), (unknown, known)  # was 9 ms against 439 ms

        assert [_login(url, "alice", "guess")[0] for _ in range(2)] == [400, 400]  # the 6th failure locks
        status, seconds, headers = _login(url, "alice", "alice-pw")  # even the right password waits
        assert status == 429 and int(headers["retry-after"]) >= 1 and seconds < 0.5 * min(known)
        time.sleep(int(headers["retry-after"]))
        assert _login(url, "alice", "alice-pw")[0] == 200  # a success clears the user's count

        statuses = []  # 10 failures so far from this address: 10 more are let through, then it waits
        while len(statuses) < 20 and 429 not in statuses:
            statuses.append(_login(url, f"name{len(statuses)}", "guess")[0])
        assert statuses == [400] * 11 + [429], statuses
        assert _login(url, "bob", "bob-pw")[0] == 429  # the address waits, whoever it names
    lines = [line for line in (home / f"serve-{url.rsplit(':', 1)[1]}.log").read_text().splitlines()
             if "login lockout" in line]
    assert any("user 'alice'" in line for line in lines) and any("address '127.0.0.1'" in line for line in lines)


def test_a_dotfile_upload_is_refused_clearly_and_api_errors_are_plain_text(home, tmp_path):
    """The data folder inside the working directory (as with the default ./.newsrag), where Gradio
    refuses dotfiles: `.bashrc.txt` is refused with a message naming it, and no copy is left behind."""
    data = tmp_path / "work" / ".newsrag"
    shutil.copytree(home, data)
    port = free_port()
    env = {**os.environ, "NEWSRAG_HOME": str(data)}
    with running([str(BIN / "newsrag"), "serve", "--port", str(port)], f"http://127.0.0.1:{port}/gradio_api/startup-events",
                 env=env, log=tmp_path / "serve.log", cwd=tmp_path / "work"):
        g = RawGradio(f"http://127.0.0.1:{port}")
        config = g.config()
        sent = g.upload({".bashrc.txt": STORY})
        if sent.status_code == 200:  # accepted for now: the upload handler must then say what is wrong
            done = g.call(g.fn_index(config, "upload", "upload"),
                          [[RawGradio.file_data(p, ".bashrc.txt") for p in sent.json()]])
            message = str(done.get("error") or done.get("output"))
        else:
            message = sent.text
        assert ".bashrc.txt" in message and "rename" in message, message
        story = STORY.encode() if isinstance(STORY, str) else STORY
        assert not [p for p in (data / "tmp").rglob("*") if p.is_file() and story in p.read_bytes()]  # no copy left
        bad = g.call(next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask"),
                     ["Who is the Kremlin spokesman?", None, "soon", None, None])
        assert not bad["success"] and bad["error"] == "--since 'soon' is not a date; use YYYY-MM-DD", bad
