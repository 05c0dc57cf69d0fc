"""The build daemon: `build` and `validate` sent to a process that keeps the survey in memory.

Whatever happened between two commands (an entry edited, an output deleted or overwritten by someone else,
a stray file in a generated folder, a build run without the daemon), the daemon's build leaves exactly the
files a fresh build writes, and its messages and exit codes are the ones the command prints by itself.
Most tests drive a Daemon in this process (builder.daemon.Daemon.run, as the server calls it); the last
ones start the real background process and talk to it through its socket, as `slm-survey` does.
"""
from __future__ import annotations

import os
import shutil
import socket
import stat
import struct
import tempfile
import time
from pathlib import Path

import pytest

from builder import daemon_link
from builder.changes import EVERYTHING, watch
from builder.daemon import Daemon
from conftest import repo_corpus_root, run_main
from test_session import assert_same, edit

MODEL = Path("entries") / "tokenizers" / "whisper.yaml"


@pytest.fixture
def runtime(monkeypatch):
    """A private folder for the daemons' sockets (short: a socket's path has at most 107 bytes)."""
    folder = tempfile.mkdtemp(prefix="sd", dir="/tmp")
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    monkeypatch.delenv("SLM_SURVEY_NO_DAEMON", raising=False)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def survey(tmp_path, monkeypatch):
    root = repo_corpus_root(tmp_path / "survey")
    monkeypatch.chdir(root)
    return root


def served(daemon: Daemon, *argv) -> dict:
    """One command as the server runs it, then the work it does once the client has its answer."""
    answer = daemon.run(list(argv), os.getcwd(), False, True)
    while daemon.after:
        daemon.after.pop(0)()
    return answer


def test_a_build_in_the_daemon_prints_what_a_build_here_prints_and_writes_the_same_files(survey, tmp_path):
    def without_outputs():
        shutil.rmtree(survey / "build")
        shutil.rmtree(survey / "docs" / "survey")
    run_main("build", "--no-site", "--no-daemon")  # docs/index.md as a build leaves it, in both runs below
    without_outputs()
    here = run_main("build", "--no-site", "--no-daemon")
    without_outputs()
    daemon = Daemon(str(survey))
    answer = served(daemon, "build", "--no-site")
    assert (answer["code"], answer["stdout"], answer["stderr"]) == (*here, "")
    assert "written" in here[1]
    assert_same(survey, tmp_path / "fresh")
    again = served(daemon, "build", "--no-site")
    assert again["stdout"].startswith("build: up to date")


def test_after_each_edit_the_daemon_writes_only_what_changed_and_exactly_a_fresh_builds_files(survey, tmp_path):
    daemon = Daemon(str(survey))
    assert served(daemon, "build", "--no-site")["code"] == 0
    edit(survey / MODEL, 'name: "Whisper"', 'name: "Whisper renamed"')
    answer = served(daemon, "build", "--no-site")
    written = int(answer["stdout"].split("build: ")[1].split(" written")[0])
    assert answer["code"] == 0 and 0 < written < 60, answer["stdout"]
    assert_same(survey, tmp_path / "fresh")
    added = survey / "entries" / "tokenizers" / "whisper-2.yaml"  # an entry added, then deleted
    added.write_text((survey / MODEL).read_text(encoding="utf-8").replace("id: whisper", "id: whisper-2")
                     .replace('arxiv: "2212.04356"\n', ""), encoding="utf-8")
    answer = served(daemon, "build", "--no-site")
    assert answer["code"] == 0, answer
    assert (survey / "docs" / "survey" / "entries" / "whisper-2.md").exists()
    assert_same(survey, tmp_path / "fresh")
    added.unlink()
    assert served(daemon, "build", "--no-site")["code"] == 0
    assert not (survey / "docs" / "survey" / "entries" / "whisper-2.md").exists()
    assert_same(survey, tmp_path / "fresh")


@pytest.fixture(params=["inotify", "stat"])
def how(request, monkeypatch):
    """The daemon learns of changes from the kernel, or (where it cannot) by a stat of every file."""
    if request.param == "stat":
        monkeypatch.setattr("builder.changes.watch", lambda folders: None)
        monkeypatch.setattr("builder.daemon.changes.watch", lambda folders: None)
        monkeypatch.setattr("builder.output_watch.watch", lambda folders: None)
    elif watch([(tempfile.gettempdir(), False)]) is None:
        pytest.skip("no inotify here")
    return request.param


def test_the_daemons_own_writes_are_not_taken_for_someone_elses(survey, how):
    daemon = Daemon(str(survey))
    served(daemon, "build", "--no-site")
    edit(survey / MODEL, 'name: "Whisper"', 'name: "Whisper renamed"')
    served(daemon, "build", "--no-site")
    daemon._look(daemon.session.project)
    assert daemon.outputs.trusted() and daemon.outputs.suspect == set()
    page = survey / "docs" / "survey" / "entries" / "whisper.md"
    page.write_text("overwritten in place\n", encoding="utf-8")
    daemon._look(daemon.session.project)
    assert daemon.outputs.trusted() and daemon.outputs.suspect == {str(page)}


def test_outputs_overwritten_or_deleted_by_someone_else_are_compared_and_rewritten(survey, tmp_path, how):
    daemon = Daemon(str(survey))
    served(daemon, "build", "--no-site")
    page = next((survey / "docs" / "survey" / "entries").glob("*.md"))
    page.write_text("tampered\n", encoding="utf-8")           # overwritten in place
    bib = survey / "build" / "latex" / "references.bib"
    bib.unlink()                                               # deleted
    daemon._look(daemon.session.project)
    if how == "inotify":  # named one by one; by their stamps, a deletion is seen as a folder changed
        assert daemon.outputs.trusted() and daemon.outputs.suspect == {str(page), str(bib)}
    answer = served(daemon, "build", "--no-site")
    assert answer["code"] == 0 and answer["stdout"].startswith("build: 2 written"), answer
    assert_same(survey, tmp_path / "fresh")


def test_a_stray_file_in_a_generated_folder_has_every_output_compared_and_goes(survey, tmp_path, how):
    daemon = Daemon(str(survey))
    served(daemon, "build", "--no-site")
    pages = survey / "docs" / "survey"
    page = next((pages / "entries").glob("*.md"))
    page.write_text("tampered\n", encoding="utf-8")
    stray = pages / "entries" / "stray.md"  # a file no build writes, where a fresh build deletes it
    stray.write_text("stray\n", encoding="utf-8")
    daemon._look(daemon.session.project)
    assert not daemon.outputs.trusted()
    answer = served(daemon, "build", "--no-site")
    assert answer["code"] == 0 and "1 removed" in answer["stdout"], answer
    assert not stray.exists()
    assert_same(survey, tmp_path / "fresh")


def test_a_build_without_the_daemon_in_between_does_not_confuse_it(survey, tmp_path):
    daemon = Daemon(str(survey))
    served(daemon, "build", "--no-site")
    edit(survey / MODEL, 'name: "Whisper"', 'name: "Whisper A"')
    assert run_main("build", "--no-site", "--no-daemon")[0] == 0
    edit(survey / MODEL, 'name: "Whisper A"', 'name: "Whisper B"')
    assert served(daemon, "build", "--no-site")["code"] == 0
    assert_same(survey, tmp_path / "fresh")


def test_the_manifest_is_written_once_no_command_comes_and_never_over_a_newer_one(survey):
    daemon = Daemon(str(survey))
    served(daemon, "build", "--no-site")
    daemon.flush()  # what the server does when no command has come for a moment
    assert run_main("build", "--no-site", "--no-daemon")[1].startswith("build: up to date")
    edit(survey / MODEL, 'name: "Whisper"', 'name: "Whisper A"')
    served(daemon, "build", "--no-site")  # its manifest not written yet...
    assert run_main("build", "--no-site", "--no-daemon")[0] == 0  # ...so this build works in full, and records
    written = (survey / "build" / ".cache" / "manifest.json").read_bytes()
    daemon.flush()
    assert (survey / "build" / ".cache" / "manifest.json").read_bytes() == written  # the newer one stays
    assert served(daemon, "build", "--no-site")["stdout"].startswith("build: up to date")


def test_validate_in_the_daemon_reports_exactly_what_validate_here_reports(survey, tmp_path):
    daemon = Daemon(str(survey))
    served(daemon, "build", "--no-site")
    edit(survey / MODEL, 'date: "2022-12"', "date: twenty")
    here = run_main("validate", "--no-daemon", "--format", "json")
    answer = served(daemon, "validate", "--format", "json")
    assert (answer["code"], answer["stdout"]) == here and here[0] == 1
    assert "whisper.yaml" in here[1]
    for named in ([str(MODEL)], ["entries/models"], ["entries/models", "nowhere.yaml", "../outside.yaml"]):
        here = run_main("validate", "--no-daemon", *named)  # only the problems in the files named
        assert (served(daemon, "validate", *named)["code"], served(daemon, "validate", *named)["stdout"]) == here
    assert "whisper.yaml" in run_main("validate", "--no-daemon", str(MODEL))[1]
    assert "whisper.yaml" not in run_main("validate", "--no-daemon", "entries/models")[1]
    build = served(daemon, "build", "--no-site")
    assert build["code"] == 1 and "not built" in build["stderr"]
    edit(survey / MODEL, "date: twenty", 'date: "2022-12"')
    assert served(daemon, "validate")["code"] == 0
    assert served(daemon, "build", "--no-site")["code"] == 0
    assert_same(survey, tmp_path / "fresh")


def test_the_daemon_leaves_to_the_client_what_it_does_not_do_and_stops_when_its_code_changed(survey):
    daemon = Daemon(str(survey))
    assert "local" in daemon.run(["build", "--force"], str(survey), False, True)
    assert "local" in daemon.run(["stats"], str(survey), False, True)
    assert "local" in daemon.answer({"argv": ["build"], "cwd": str(survey), "python": "/another/python"})
    assert "error" in daemon.answer({"argv": "build", "cwd": str(survey)})
    daemon.code = {}  # as if a file of the builder had changed since it started
    import sys
    answer = daemon.answer({"argv": ["build"], "cwd": str(survey), "python": sys.executable})
    assert "code or installed packages changed" in answer["stopped"]


def test_the_kernel_names_a_changed_file_at_once_and_a_new_folder_asks_for_a_full_look(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.yaml").write_text("1")
    changes = watch([(tmp_path, True)])
    if changes is None:
        pytest.skip("no inotify here: the daemon stats every file instead")
    assert changes.take() == set()
    (tmp_path / "a" / "x.yaml").write_text("2")  # no wait between the write and the look
    assert changes.take() == {str(tmp_path / "a" / "x.yaml")}
    assert changes.take() == set()
    (tmp_path / "b").mkdir()
    assert changes.take() is EVERYTHING
    (tmp_path / "b" / "y.yaml").write_text("3")  # the new folder is watched from then on
    assert changes.take() == {str(tmp_path / "b" / "y.yaml")}
    changes.close()


def test_a_watched_folder_that_goes_and_comes_back_is_looked_at_in_full_until_watched_again(tmp_path):
    folder = tmp_path / "entries"
    folder.mkdir()
    changes = watch([(folder, True)])
    if changes is None:
        pytest.skip("no inotify here")
    shutil.rmtree(folder)
    assert changes.take() is EVERYTHING
    assert changes.take() is EVERYTHING  # still missing: nothing can be named
    folder.mkdir()
    assert changes.take() is EVERYTHING  # watched from here on
    (folder / "x.yaml").write_text("1")
    assert changes.take() == {str(folder / "x.yaml")}
    changes.close()


def test_outputs_and_entries_deleted_and_put_back_between_commands(survey, tmp_path):
    daemon = Daemon(str(survey))
    served(daemon, "build", "--no-site")
    shutil.rmtree(survey / "build")  # make clean
    shutil.rmtree(survey / "docs" / "survey")
    saved = tmp_path / "entries-aside"
    shutil.move(survey / "entries", saved)  # a checkout that replaces the folder
    assert served(daemon, "build", "--no-site")["code"] == 1
    shutil.move(saved, survey / "entries")
    edit(survey / MODEL, 'name: "Whisper"', 'name: "Whisper back"')
    assert served(daemon, "build", "--no-site")["code"] == 0
    assert_same(survey, tmp_path / "fresh")


# -- the real background process


@pytest.fixture
def started(runtime, survey):
    code, out = run_main("daemon", "start", "--idle-minutes", "5")
    assert code == 0 and "started" in out
    yield survey
    run_main("daemon", "stop")


def test_build_and_validate_go_to_a_running_daemon_and_print_what_it_printed(started, tmp_path):
    survey = started
    assert run_main("build", "--no-site")[0] == 0
    edit(survey / MODEL, 'name: "Whisper"', 'name: "Whisper renamed"')
    code, out = run_main("build", "--no-site")
    assert code == 0 and out.startswith("build: ") and "written" in out
    assert_same(survey, tmp_path / "fresh")
    assert run_main("validate")[1].startswith("ok: ")
    status = run_main("daemon", "status")
    assert status[0] == 0 and "3 command(s)" in status[1], status  # the three above ran in the daemon
    log = (survey / "build" / ".cache" / "daemon.log").read_text(encoding="utf-8")
    assert log.count("daemon: build --no-site: exit 0") == 2 and "daemon: validate: exit 0" in log


def test_no_daemon_and_the_environment_variable_keep_the_work_here(started, monkeypatch):
    run_main("build", "--no-site", "--no-daemon")
    monkeypatch.setenv("SLM_SURVEY_NO_DAEMON", "1")
    run_main("validate")
    assert "0 command(s)" in run_main("daemon", "status")[1]


def test_a_second_start_finds_the_first_and_stop_stops_it(started):
    code, out = run_main("daemon", "start")
    assert code == 0 and "already running" in out
    assert run_main("daemon", "stop") == (0, "daemon: stopped\n")
    for _ in range(100):
        if run_main("daemon", "status")[0] == 3:
            break
        time.sleep(0.05)
    assert run_main("daemon", "status") == (3, "daemon: not running\n")


def test_a_second_daemon_for_the_same_survey_refuses_to_run(started):
    import subprocess
    import sys
    second = subprocess.run([sys.executable, "-m", "builder.daemon", str(started), "1"], capture_output=True,
                            text=True, timeout=60)
    assert second.returncode == 1 and "already running" in second.stderr
    assert run_main("daemon", "status")[0] == 0  # the first one still answers


def test_garbage_on_the_socket_does_not_stop_the_daemon(started):
    path = daemon_link.socket_path(started)
    for junk in (b"\x00\x00\x00\x05notjs", struct.pack(">I", 1 << 30) + b"x", b"\x00\x00"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(path)
            s.sendall(junk)
    assert run_main("daemon", "status")[0] == 0


def test_an_idle_daemon_stops_by_itself(runtime, survey):
    assert run_main("daemon", "start", "--idle-minutes", "0.02")[0] == 0  # 1.2 s
    for _ in range(200):
        if run_main("daemon", "status")[0] == 3:
            break
        time.sleep(0.05)
    assert run_main("daemon", "status")[0] == 3
    assert "idle minutes" in (survey / "build" / ".cache" / "daemon.log").read_text(encoding="utf-8")


def test_a_socket_folder_others_may_enter_is_never_used(runtime, survey, capsys):
    folder = os.path.join(runtime, "slm-survey")
    os.makedirs(folder)
    os.chmod(folder, 0o755)
    assert daemon_link.socket_path(survey) is None
    assert run_main("daemon", "start")[0] == 1
    assert "not this user's alone" in capsys.readouterr().err
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755
    assert run_main("build", "--no-site")[0] == 0  # works here, as without a daemon
