"""`policy-assistant serve`, `python app.py`: they really serve, and refuse an open bind."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.web.conftest import ROOT, free_port

pytestmark = pytest.mark.slow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", **extra)
    return env


@pytest.mark.parametrize("argv", [[sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0"],
                                  [sys.executable, "app.py"]])
def test_open_bind_without_keys_refuses(argv, tmp_path):
    r = subprocess.run(argv, cwd=ROOT, env=_env(POLICY_HOST="0.0.0.0", POLICY_INDEX=str(tmp_path / "none")),
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 1
    assert "Refusing to listen on 0.0.0.0" in r.stderr and "POLICY_API_KEYS" in r.stderr
    assert "Traceback" not in r.stderr


def test_serve_command_serves_chat_and_api(seed_settings, tmp_path):
    port = free_port()
    env = _env(POLICY_CORPUS=str(seed_settings.corpus), POLICY_INDEX=str(seed_settings.index),
               POLICY_FEEDBACK_DB=str(tmp_path / "fb.sqlite3"))
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if httpx.get(url + "/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.time() < deadline, "server did not become ready"
            time.sleep(0.5)
        assert httpx.get(url + "/", timeout=30).status_code == 200
        a = httpx.post(url + "/api/ask", json={"question": "Can I text a student?"}, timeout=60)
        assert a.status_code == 200 and a.json()["citations"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
