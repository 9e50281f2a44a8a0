"""The app served for real: ``styletools app`` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Small caps, so the tests can exceed them with small files.
MAX_UPLOAD_MB = 1.0
MAX_MEGAPIXELS = 1.0
#: A memory budget the tests can exceed with a large output size.
MAX_MEMORY = "3G"
START_TIMEOUT_S = 120


@dataclass(frozen=True)
class Server:
    """A running app: its URL, port and process."""

    url: str
    port: int
    process: subprocess.Popen[str]


def free_port() -> int:
    """A TCP port nobody listens on (the OS picks it; a race is possible but rare)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OutputReader:
    """Drains the server's output in a thread (a full pipe would block the server) and
    notices the line announcing the URL."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.url: str | None = None
        self.started = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)
            if "running on" in line and self.url is None:
                self.url = line.split("running on", 1)[1].split()[0]
                self.started.set()
        self.started.set()  # the process ended: stop waiting

    def wait_for_url(self) -> str:
        self.started.wait(START_TIMEOUT_S)
        if self.url is None:
            raise RuntimeError("styletools app did not start:\n" + "".join(self.lines[-40:]))
        return self.url


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``styletools app`` with tiny upload caps and a 3 GB memory budget, stopped when the
    session ends."""
    port = free_port()
    cache = tmp_path_factory.mktemp("gradio-cache")
    env = {**os.environ, "GRADIO_TEMP_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "styletools", "app", "--port", str(port),
        "--max-upload-mb", str(MAX_UPLOAD_MB), "--max-megapixels", str(MAX_MEGAPIXELS),
        "--max-memory", MAX_MEMORY,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        url = OutputReader(process).wait_for_url()
        yield Server(url=url.rstrip("/"), port=port, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
