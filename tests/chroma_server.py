"""A real `chroma run` server on loopback for tests: fixed port and data folder, so a test can
kill it and start it again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class Chroma:
    """`chroma run` on a fixed loopback port and data folder, so it can be killed and restarted."""

    def __init__(self, data: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.data, self.url, self.proc = data, f"http://127.0.0.1:{self.port}", None

    def start(self) -> None:
        exe = Path(sys.executable).parent / "chroma"
        self.proc = subprocess.Popen(
            [str(exe), "run", "--path", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1)
                return
            except Exception:
                if self.proc.poll() is not None:
                    pytest.fail("chroma run exited early")
                time.sleep(0.3)
        pytest.fail("chroma server did not come up")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@contextmanager
def running(data: Path) -> Iterator[Chroma]:
    """A started server on ``data``, killed at the end unless a test already did."""
    server = Chroma(data)
    server.start()
    try:
        yield server
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.kill()
