"""The upload route's bounds (ui/guard.py) in front of a stand-in for Gradio's upload route."""

from __future__ import annotations

import uuid

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from newsrag.ui.guard import UploadGuard, UploadLimits


def client(tmp_path, **overrides) -> TestClient:
    """An app whose /gradio_api/upload stores the body in `tmp_path/tmp`, as Gradio's does."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)

    async def upload(request: Request):
        path = temp / uuid.uuid4().hex
        path.write_bytes(await request.body())
        return JSONResponse([str(path)])

    limits = dict(writable=True, editor=None, max_request_bytes=1000, per_minute=3, temp_dir=temp,
                  max_temp_bytes=2500)
    limits.update(overrides)
    app = Starlette(routes=[Route("/gradio_api/upload", upload, methods=["POST"])],
                    middleware=[Middleware(UploadGuard, limits=UploadLimits(**limits))])
    return TestClient(app)


def test_per_request_and_per_minute_caps(tmp_path):
    c = client(tmp_path)
    assert c.post("/gradio_api/upload", content=b"x" * 1001).status_code == 413
    assert [c.post("/gradio_api/upload", content=b"x" * 10).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_temp_folder_is_bounded(tmp_path):
    c = client(tmp_path, per_minute=100)
    codes = [c.post("/gradio_api/upload", content=b"x" * 1000).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 507, 507]  # never more than the cap plus one request on disk
    assert sum(p.stat().st_size for p in (tmp_path / "tmp").iterdir()) <= 2500 + 1000


@pytest.mark.parametrize("limits, status", [(dict(writable=False), 403), (dict(editor=lambda user: False), 403)])
def test_read_only_and_non_editors_store_nothing(tmp_path, limits, status):
    c = client(tmp_path, **limits)
    assert c.post("/gradio_api/upload", content=b"x").status_code == status
    assert not any((tmp_path / "tmp").iterdir())
    assert c.get("/gradio_api/upload").status_code == status  # any method: the guard answers first
