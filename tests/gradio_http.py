"""A bare HTTP client for a Gradio 6 page, speaking its queue protocol the way the browser does.

No gradio_client: it refuses private endpoints, a raw client does not, and that is what an attacker
would use. join: POST /gradio_api/queue/join {data, fn_index, session_hash...}; then read the
server-sent events of GET /gradio_api/queue/data?session_hash=... until `process_completed`.
"""

from __future__ import annotations

import json
import uuid

import httpx


class RawGradio:
    def __init__(self, url: str, timeout: float = 60.0):
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)
        self.session = uuid.uuid4().hex[:11]  # one browser tab: component state (e.g. choices) is per session

    def login(self, user: str, password: str) -> int:
        return self.http.post("/login", data={"username": user, "password": password}).status_code

    def config(self) -> dict:
        r = self.http.get("/config")
        r.raise_for_status()
        return r.json()

    def fn_index(self, config: dict, elem_id: str, event: str) -> int | None:
        """The handler bound to `event` of the component with `elem_id`, if the page has one."""
        ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id}
        for i, dep in enumerate(config["dependencies"]):
            if any(t[0] in ids and t[1] == event for t in dep["targets"]):
                return dep.get("id", i)
        return None

    def call(self, fn_index: int, data: list, trigger_id: int | None = None) -> dict:
        """Run one event; returns {"status": HTTP status of the join, "success", "output" or "error"}."""
        session = self.session
        body = {"data": data, "event_data": None, "fn_index": fn_index, "trigger_id": trigger_id,
                "session_hash": session}
        joined = self.http.post("/gradio_api/queue/join", json=body)
        if joined.status_code != 200:
            return {"status": joined.status_code, "success": False, "error": joined.text}
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as events:
            for line in events.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    out = msg.get("output") or {}
                    return {"status": 200, "success": bool(msg.get("success")), "output": out.get("data"),
                            "error": out.get("error")}
        return {"status": 200, "success": False, "error": "the event stream ended early"}

    def upload(self, files: dict[str, bytes]) -> httpx.Response:
        """POST files to Gradio's upload route, as the file component does."""
        return self.http.post("/gradio_api/upload",
                              files=[("files", (name, data, "text/plain")) for name, data in files.items()])

    @staticmethod
    def file_data(path: str, name: str) -> dict:
        return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


class Page:
    """One browser session on the page: upload, remove (after filling its menu, as the page does), undo."""

    def __init__(self, url: str, timeout: float = 300):
        self.g = RawGradio(url, timeout=timeout)
        config = self.g.config()
        self.fns = {k: self.g.fn_index(config, elem, event) for k, (elem, event) in
                    {"upload": ("upload", "upload"), "remove": ("remove-yes", "click"), "undo": ("undo", "click")}.items()}
        self.fns.update({d.get("api_name"): d["id"] for d in config["dependencies"] if d.get("api_name")})

    def upload(self, name: str, data: bytes) -> str:
        sent = self.g.upload({name: data})
        done = self.g.call(self.fns["upload"], [[RawGradio.file_data(sent.json()[0], name)]])
        assert done["success"], done
        return done["output"][0]

    def remove(self, name: str) -> str:
        self.g.call(self.fns["articles"], [])
        done = self.g.call(self.fns["remove"], [name])
        assert done["success"], done
        return done["output"][0]

    def undo(self) -> str:
        done = self.g.call(self.fns["undo"], [None])  # the token is the session's own state, kept by the server
        assert done["success"], done
        return done["output"][0]

    def ask(self, question: str) -> dict:
        done = self.g.call(self.fns["ask"], [question, None, None, None, None])
        assert done["success"], done
        return done["output"][0]
