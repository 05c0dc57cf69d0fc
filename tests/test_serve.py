"""`slm-survey serve`: an edited entry shows up on the served site without restarting anything, and
stopping serve (however it is stopped) stops its MkDocs server, which cleans up after itself."""
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


def answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(condition, seconds: float) -> bool:
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        time.sleep(0.3)
    return condition()


def mtime(path):
    """None while a full rebuild has cleared the folder and not yet written the file again."""
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def start_serve(root, port, tmp, *options):
    """serve in its own session (so a test's signal reaches serve alone), with its temp folder in tmp."""
    tmp.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "builder", "serve", "-a", f"127.0.0.1:{port}", *options], cwd=root,
                            env={**os.environ, "TMPDIR": str(tmp)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("options", [(), ("--dirty",)], ids=["full-rebuilds", "dirty"])
def test_serve_regenerates_pages_when_an_entry_changes(survey_root, tmp_path, options):
    # The survey's mkdocs.yml is strict, and this page has a link to nothing: `build` would refuse it.
    # The preview shows the warning and serves on.
    assert "strict: true" in (survey_root / "mkdocs.yml").read_text()
    with open(survey_root / "docs" / "about.md", "a", encoding="utf-8") as page:
        page.write("\n[a link to nothing](missing-page.md)\n")
    port = free_port()
    proc = start_serve(survey_root, port, tmp_path / "tmp", *options)
    url = f"http://127.0.0.1:{port}/survey/entries/model-a/"
    try:
        assert wait_for(lambda: "Model A" in fetch(url), 60)
        about = next((tmp_path / "tmp").glob("mkdocs_*")) / "about" / "index.html"  # a page no edit changes
        built = mtime(about)
        entry = survey_root / "entries" / "model-a.yaml"
        entry.write_text(entry.read_text().replace('title: "Model A: a test speech LM"', 'title: "Model A: renamed while serving"'))
        assert wait_for(lambda: "renamed while serving" in fetch(url), 60)
        assert "Model A" in fetch(f"http://127.0.0.1:{port}/")  # the pages the edit did not change still serve
        assert (mtime(about) == built) == bool(options)  # dirty: MkDocs left that page alone
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode()
    assert "missing-page.md" in output  # the warning was shown
    assert ("rebuilds only the pages an edit changed" in output) == bool(options)
    assert "'dirty' build" not in output  # MkDocs' own notice, once per rebuild, is left out


@pytest.mark.timeout(120)
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_stopping_serve_stops_mkdocs_and_its_temporary_site_goes(survey_root, tmp_path, how):
    port, tmp = free_port(), tmp_path / "tmp"
    proc = start_serve(survey_root, port, tmp)
    try:
        assert wait_for(lambda: "Model A" in fetch(f"http://127.0.0.1:{port}/survey/entries/model-a/"), 60)
        assert any(p.name.startswith("mkdocs_") for p in tmp.iterdir())  # MkDocs' copy of the site
        proc.send_signal(how)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)
    assert not answers(port)
    assert list(tmp.iterdir()) == []


@pytest.mark.timeout(120)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="MkDocs learns of serve's death through prctl")
def test_serve_killed_outright_still_stops_mkdocs(survey_root, tmp_path):
    port, tmp = free_port(), tmp_path / "tmp"
    proc = start_serve(survey_root, port, tmp)
    try:
        assert wait_for(lambda: "Model A" in fetch(f"http://127.0.0.1:{port}/survey/entries/model-a/"), 60)
    finally:
        proc.kill()
        proc.communicate(timeout=10)
    assert wait_for(lambda: not answers(port) and list(tmp.iterdir()) == [], 30)


@pytest.mark.timeout(120)
def test_serve_says_so_when_mkdocs_cannot_serve(survey_root, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = start_serve(survey_root, taken.getsockname()[1], tmp_path / "tmp")
        output = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 1
    assert "cannot serve on 127.0.0.1:" in output and "the MkDocs server stopped" in output
    assert list((tmp_path / "tmp").iterdir()) == []
