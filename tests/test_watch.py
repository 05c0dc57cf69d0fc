"""builder/watch.py: serve learns which inputs changed from the file system, and reading is not changing."""
from __future__ import annotations

import os

import pytest

from builder.watch import EVERYTHING, start


@pytest.fixture
def tree(tmp_path):
    entries = tmp_path / "entries"
    (entries / "models").mkdir(parents=True)
    (entries / "models" / "a.yaml").write_text("id: a\n")
    (tmp_path / "survey.yaml").write_text("title: t\n")
    (tmp_path / "README.md").write_text("readme\n")
    watcher = start([str(entries)], [str(tmp_path / "survey.yaml")])
    if watcher is None:
        pytest.skip("no file-system notifications here: serve compares stamps instead")
    yield tmp_path, watcher
    watcher.stop()


def test_an_edited_entry_is_named(tree):
    root, watcher = tree
    entry = root / "entries" / "models" / "a.yaml"
    with open(entry, "a") as f:
        f.write("name: A\n")
    assert watcher.take(5) == {str(entry)}


def test_an_editor_saving_through_a_temporary_file_names_the_entry(tree):
    root, watcher = tree
    entry, temp = root / "entries" / "models" / "a.yaml", root / "entries" / "models" / ".a.yaml.tmp"
    temp.write_text("id: a\nname: A\n")
    os.replace(temp, entry)
    assert str(entry) in watcher.take(5)


def test_reading_is_not_a_change(tree):
    root, watcher = tree
    (root / "entries" / "models" / "a.yaml").read_text()
    assert watcher.take(0.5) is False


def test_new_and_removed_entries_are_named(tree):
    root, watcher = tree
    new, old = root / "entries" / "models" / "b.yaml", root / "entries" / "models" / "a.yaml"
    new.write_text("id: b\n")
    old.unlink()
    assert {str(new), str(old)} <= watcher.take(5)


@pytest.mark.parametrize("change", ["new folder", "moved folder"])
def test_a_folder_that_comes_or_goes_asks_for_a_look_at_everything(tree, change):
    root, watcher = tree
    if change == "new folder":
        (root / "entries" / "tokenizers").mkdir()
    else:
        os.rename(root / "entries" / "models", root / "entries" / "kept")
    assert watcher.take(5) is EVERYTHING


def test_of_the_root_folder_only_survey_yaml_is_watched(tree):
    root, watcher = tree
    (root / "README.md").write_text("changed\n")
    assert watcher.take(0.5) is False
    (root / "survey.yaml").write_text("title: u\n")
    assert watcher.take(5) == {str(root / "survey.yaml")}
