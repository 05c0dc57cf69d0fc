"""`slm-survey serve`: an edited entry shows up on the served site without restarting anything."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


@pytest.mark.timeout(120)
def test_serve_regenerates_pages_when_an_entry_changes(survey_root):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "builder", "serve", "-a", f"127.0.0.1:{port}"], cwd=survey_root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/survey/entries/model-a/"
    try:
        deadline = time.time() + 60
        while "Model A" not in fetch(url) and time.time() < deadline:
            time.sleep(0.5)
        assert "Model A" in fetch(url)
        entry = survey_root / "entries" / "model-a.yaml"
        entry.write_text(entry.read_text().replace('title: "Model A: a test speech LM"', 'title: "Model A: renamed while serving"'))
        deadline = time.time() + 60
        while "renamed while serving" not in fetch(url) and time.time() < deadline:
            time.sleep(0.5)
        assert "renamed while serving" in fetch(url)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
