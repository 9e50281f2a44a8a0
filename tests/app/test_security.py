"""What the server refuses: files outside the app, oversized uploads, non-loopback clients."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.app.conftest import MAX_UPLOAD_MB

OUTSIDE_FILES = [
    "/etc/passwd",
    "../../../../../../etc/passwd",
    "..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2Fetc%2Fpasswd",
    "pyproject.toml",  # in the server's working directory, yet not the app's
]


@pytest.mark.parametrize("path", OUTSIDE_FILES)
def test_file_route_refuses_files_outside_the_app(server, path):
    response = httpx.get(f"{server.url}/gradio_api/file={path}")
    assert response.status_code in (403, 404)
    assert "root:" not in response.text and "[project]" not in response.text


def test_file_route_serves_the_apps_own_paintings(server):
    from styletools_cli.app.context import PAINTINGS_FOLDER

    painting = next(PAINTINGS_FOLDER.glob("*.jpg"))
    response = httpx.get(f"{server.url}/gradio_api/file={painting}")
    assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"


def test_oversized_upload_is_refused(server):
    payload = b"\0" * int((MAX_UPLOAD_MB + 0.5) * 1024 * 1024)
    response = httpx.post(
        f"{server.url}/gradio_api/upload", files={"files": ("big.png", payload, "image/png")}
    )
    assert response.status_code == 413


def test_api_refuses_a_path_that_was_not_uploaded(server):
    body = {"data": [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, 0]}
    start = httpx.post(f"{server.url}/gradio_api/call/tool_sobel", json=body)
    events = httpx.get(f"{server.url}/gradio_api/call/tool_sobel/{start.json()['event_id']}")
    assert "event: error" in events.text and "root:" not in events.text


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent by a UDP connect
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_not_reachable_on_a_non_loopback_address(server):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with pytest.raises(OSError), socket.create_connection((address, server.port), timeout=3):
        pass
