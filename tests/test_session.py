"""The incremental build behind `serve`: after any edit its outputs are exactly a fresh build's.

A Session keeps the corpus and every rendered piece in memory and redoes only
what an edit touches. Reusing something it should have redone would show as a
stale name, row or page, so each test edits the corpus, rebuilds the session,
and compares every output file with a fresh `build` of the same entries.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from builder.build import build
from builder.project import load_project
from builder.session import Session
from builder.site_pages import site_pages
from conftest import make_root, repo_corpus_root


def outputs(root: Path) -> dict:
    found = {}
    for base in (root / "build" / "latex", root / "docs" / "survey"):
        for f in sorted(base.rglob("*")):
            if f.is_file():
                found[str(f.relative_to(root))] = f.read_bytes()
    found["docs/index.md"] = (root / "docs" / "index.md").read_bytes()
    return found


def fresh_outputs(root: Path, scratch: Path) -> dict:
    """A fresh build of root's entries in a new folder: what the session must have written."""
    if scratch.exists():
        shutil.rmtree(scratch)
    other = make_root(scratch, entries=root / "entries")
    result = build(load_project(other), site_pages=site_pages)
    assert result.ok, [str(p) for p in result.check.errors]
    return outputs(other)


def assert_same(root: Path, scratch: Path) -> None:
    mine, expected = outputs(root), fresh_outputs(root, scratch)
    assert sorted(mine) == sorted(expected)
    differing = [name for name in expected if mine[name] != expected[name]]
    assert differing == []


@pytest.fixture
def session(tmp_path):
    root = repo_corpus_root(tmp_path / "survey")
    s = Session(load_project(root), site_pages=site_pages)
    first = s.rebuild()
    assert first.ok and first.report.written
    return s


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_rebuild_with_nothing_changed_writes_nothing(session):
    again = session.rebuild()
    assert again.ok and again.report.written == [] and again.report.removed == []


def test_renaming_a_referenced_entry_updates_every_table_and_page_that_shows_its_name(session, tmp_path):
    root = session.project.root
    edit(root / "entries" / "tokenizers" / "whisper.yaml", 'name: "Whisper"', 'name: "Whisper renamed"')
    result = session.rebuild()
    assert result.ok
    written = {str(Path(p).relative_to(root)) for p in result.report.written}
    # The page of a model using it shows the new name; a page unrelated to it is not rewritten.
    assert "docs/survey/entries/baichuan-omni-1-5.md" in written
    assert "docs/survey/entries/anygpt.md" not in written
    assert_same(root, tmp_path / "fresh")


@pytest.mark.parametrize("change", ["taxonomy value", "new entry", "removed entry", "result value", "new reference",
                                    "name that moves it"])
def test_outputs_equal_a_fresh_build_after_each_kind_of_edit(session, tmp_path, change):
    root = session.project.root
    entries = root / "entries"
    if change == "taxonomy value":
        edit(entries / "models" / "anygpt.yaml", "fusion:\n  input: discrete_tokens", "fusion:\n  input: continuous_adapter")
    elif change == "new entry":
        shutil.copy(Path(__file__).parent / "fixtures" / "minimal" / "entries" / "tok-a.yaml", entries / "tok-a.yaml")
    elif change == "removed entry":
        victim = next(p for p in sorted(entries.rglob("*.yaml")) if "kind: analysis" in p.read_text())
        victim.unlink()
    elif change == "result value":
        edit(entries / "models" / "qwen2-audio.yaml", "metric: WER, value: 1.6,", "metric: WER, value: 9.5,")
    elif change == "new reference":
        shutil.copy(Path(__file__).parent / "fixtures" / "minimal" / "entries" / "tok-a.yaml", entries / "tok-a.yaml")
        assert session.rebuild().ok
        edit(entries / "models" / "anygpt.yaml", "tokenizer:\n  - ref: speechtokenizer", "tokenizer:\n  - ref: tok-a")
    elif change == "name that moves it":  # among ten entries of the same month, from D to the end of lists
        edit(entries / "models" / "diva.yaml", "name: DiVA", "name: Zz DiVA")
    result = session.rebuild()
    assert result.ok, [str(p) for p in result.check.errors]
    assert_same(root, tmp_path / "fresh")


def test_edits_made_while_another_entry_is_broken_are_not_lost_when_it_is_fixed(session, tmp_path):
    root = session.project.root
    edit(root / "entries" / "tokenizers" / "whisper.yaml", 'name: "Whisper"', 'name: "Whisper renamed"')
    other = root / "entries" / "models" / "anygpt.yaml"
    good = other.read_text(encoding="utf-8")
    other.write_text(good + "kind: model\n", encoding="utf-8")  # a duplicate key
    broken = session.rebuild()
    assert not broken.ok and broken.report is None
    assert any("duplicate key" in p.message for p in broken.check.errors)
    other.write_text(good, encoding="utf-8")  # fixing it is the only change the next build sees
    fixed = session.rebuild()
    assert fixed.ok
    assert_same(root, tmp_path / "fresh")


def test_housekeeping_between_edits_changes_no_output(session, tmp_path):
    """serve calls idle() when nothing changes: cycles are collected, the kept state stays right."""
    import gc
    root = session.project.root
    edit(root / "entries" / "tokenizers" / "whisper.yaml", 'name: "Whisper"', 'name: "Whisper X"')
    assert session.rebuild().ok
    assert gc.get_freeze_count() > 0  # the session's state is left out of young collections
    session.idle()
    edit(root / "entries" / "tokenizers" / "mimi.yaml", "name: Mimi", "name: Mimi X")
    assert session.rebuild().ok
    assert_same(root, tmp_path / "fresh")
    gc.unfreeze()


def _messages(checked) -> list:
    return [f"{p.path}:{p.line}: {p.message}" for p in checked.errors]


def test_cross_entry_problems_an_edit_makes_are_found_as_a_fresh_check_finds_them(session):
    """A session reuses cross-entry checks while ids and kinds hold; each of these edits breaks them."""
    from builder.check import check
    root = session.project.root
    models = root / "entries" / "models"
    edits = [  # (file, old, new): an arXiv clash, a dangling reference, a reference to the wrong kind
        (models / "ichigo.yaml", 'arxiv: "2410.15316"', 'arxiv: "2402.12226"'),
        (models / "anygpt.yaml", "  - ref: speechtokenizer\n", "  - ref: speechtokenizr\n"),
        (root / "entries" / "tokenizers" / "speechtokenizer.yaml", "kind: tokenizer", "kind: benchmark"),
    ]
    for path, old, new in edits:
        good = path.read_text(encoding="utf-8")
        edit(path, old, new)
        broken = session.rebuild()
        fresh = check(load_project(root))
        assert not broken.ok and _messages(broken.check) == _messages(fresh) and fresh.errors, path.name
        path.write_text(good, encoding="utf-8")
        fixed = session.rebuild()
        assert fixed.ok, _messages(fixed.check)


def test_a_hint_names_the_files_to_look_at_and_gives_the_same_outputs(session, tmp_path):
    """serve passes the paths the file system says changed: the session looks only at those, and at new files."""
    root = session.project.root
    entries = (root / "entries").resolve()
    renamed, added = entries / "models" / "diva.yaml", entries / "tok-a.yaml"
    edit(renamed, "name: DiVA", "name: Zz DiVA")
    shutil.copy(Path(__file__).parent / "fixtures" / "minimal" / "entries" / "tok-a.yaml", added)
    victim = next(p for p in sorted(entries.rglob("*.yaml")) if "kind: analysis" in p.read_text())
    victim.unlink()
    result = session.rebuild({str(renamed), str(added), str(victim)})
    assert result.ok, [str(p) for p in result.check.errors]
    assert_same(root, tmp_path / "fresh")


def test_the_list_of_entry_files_is_reused_until_a_folder_below_entries_changes(session, monkeypatch):
    entries = session.project.root / "entries"
    monkeypatch.setattr("builder.session.RECENT_NS", 0)  # trust even a folder changed a moment ago
    session._listing = None
    assert session._discover()[2] is False
    assert session._discover()[2] is True
    (entries / "models" / "new.txt").write_text("not an entry, but the folder changed")
    assert session._discover()[2] is False
    assert session._discover()[2] is True
    monkeypatch.setattr("builder.session.RECENT_NS", 10 ** 12)  # a folder changed in the last 1,000 s
    session._listing = None
    session._discover()
    assert session._discover()[2] is False  # may change again within the same tick of the clock: listed again


@pytest.mark.parametrize("recent", [0, None])
def test_files_added_or_removed_are_found_even_when_the_hint_leaves_them_out(session, tmp_path, monkeypatch, recent):
    """The list of entry files is reused while no folder below entries/ changed its time; a file or folder
    added, removed or renamed changes its folder's time, whatever the hint says."""
    if recent is not None:
        monkeypatch.setattr("builder.session.RECENT_NS", recent)
    root = session.project.root
    entries = (root / "entries").resolve()
    (entries / "extra").mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "minimal" / "entries" / "tok-a.yaml", entries / "extra" / "tok-a.yaml")
    assert session.rebuild(set()).ok
    assert "tok-a" in {e.id for e in session.corpus.entries}
    (entries / "extra").rename(entries / "more")
    assert session.rebuild(set()).ok
    assert session.corpus.get("tok-a").file.parent.name == "more"  # the same entry, from its new path
    victim = next(p for p in sorted(entries.rglob("*.yaml")) if "kind: analysis" in p.read_text())
    victim.unlink()
    assert session.rebuild(set()).ok
    assert_same(root, tmp_path / "fresh")


def test_a_file_left_out_of_the_hint_is_taken_as_it_was_until_a_full_look(session, tmp_path):
    root = session.project.root
    edited = (root / "entries" / "models" / "diva.yaml").resolve()
    edit(edited, "name: DiVA", "name: Zz DiVA")
    assert session.rebuild(set()).report.written == []  # the hint says nothing changed: nothing is looked at
    assert session.rebuild().report.written  # no hint: every stamp is compared, and the edit is found
    assert_same(root, tmp_path / "fresh")


def test_the_quiet_look_at_every_stamp_reports_only_what_it_found_itself(session):
    """serve's periodic look at every stamp (quiet) also meets edits it has rebuilt already: those it must
    not report again, but a change the file system never reported, and which breaks an entry, it must."""
    import io
    from builder.serve import regenerate
    root = session.project.root
    broken = (root / "entries" / "models" / "diva.yaml").resolve()
    edit(broken, "name: DiVA", "name: [DiVA")  # a YAML syntax error
    reported = io.StringIO()
    assert regenerate(session, reported, hint={str(broken)}) is False  # as after a notification
    assert "diva.yaml:" in reported.getvalue() and "error" in reported.getvalue()
    again = io.StringIO()
    assert regenerate(session, again, quiet=True) is False  # the look finds nothing new: nothing said twice
    assert again.getvalue() == ""
    other = next(p for p in sorted((root / "entries").rglob("*.yaml")) if p.resolve() != broken).resolve()
    edit(other, "id: ", "idd: ")  # an edit no notification told of, and a new problem
    unreported = io.StringIO()
    assert regenerate(session, unreported, quiet=True) is False
    assert f"{other.name}:" in unreported.getvalue() and "not updated" in unreported.getvalue()


def test_a_taxonomy_value_enters_and_leaves_the_tables_legends_as_in_a_fresh_build(session, tmp_path):
    """A session counts how many entries show each value a legend defines: the first entry with a value
    adds its definition, and the definition goes with the last one (no entry uses cross_attention)."""
    root = session.project.root
    anygpt = root / "entries" / "models" / "anygpt.yaml"
    legend = root / "docs" / "survey" / "tables" / "architectures.md"
    assert "<dt>Cross-attention</dt>" not in legend.read_text(encoding="utf-8")
    edit(anygpt, "fusion:\n  input: discrete_tokens", "fusion:\n  input: cross_attention")
    assert session.rebuild().ok
    assert_same(root, tmp_path / "fresh")
    assert "<dt>Cross-attention</dt>" in legend.read_text(encoding="utf-8")
    edit(anygpt, "fusion:\n  input: cross_attention", "fusion:\n  input: discrete_tokens")
    assert session.rebuild().ok
    assert_same(root, tmp_path / "fresh")
    assert "<dt>Cross-attention</dt>" not in legend.read_text(encoding="utf-8")
