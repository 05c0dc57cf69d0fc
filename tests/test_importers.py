"""Importers: notes and BibTeX to stubs that validate accepts once the listed fields are filled."""
from __future__ import annotations

import shutil

import yaml

from builder.check import check
from builder.importers.bibtex import parse_bibtex
from builder.importers.notes import parse_notes
from builder.importers.records import KindRules
from builder.project import load_project
from conftest import run_main as run, FIXTURES

NOTES = FIXTURES / "import" / "paper-notes.md"
BIB = FIXTURES / "import" / "papers.bib"
EXPECTED = {  # id: (arxiv, date, orgs, tags, starred)
    "mm-representation": ("2411.17666", "2024-11", ["KIT"], ["mm-representation"], False),
    "sfm": ("2410.12948", "2024-10", ["CMU"], ["sfm"], False),
    "roadmap-towards-superhuman-speech-understanding": ("2410.13268", "2024-10", ["CUHK"], [], False),
    "ichigo": ("2410.15316", "2024-10", ["HomebrewResearch"], ["ichigo"], True),
    "tts-llama": ("2410.20336", "2024-10", ["Meta"], ["mm-fusion", "tts-llama", "mole-llama"], True),
    "neugpt": ("2410.20916", "2024-10", ["HKUST"], ["neugpt", "mm-fusion"], False),
}
FILL = {  # a valid value for every field a stub may still want
    "authors": ["A. Author"], "modalities": {"input": ["speech"], "output": ["text"]},
    "fusion": {"input": "discrete_tokens", "output": "none"}, "tokenizer": [{"name": "Some encoder"}],
    "backbone": {"name": "SomeLM"}, "training_stages": [{"name": "Alignment", "type": "alignment"}],
    "understanding_level": {"level": 1, "rationale": "transcribes speech content only"},
    "models_studied": ["ichigo"], "methods": ["svcca"], "findings": ["Deeper layers align speech and text."],
}


def test_notes_give_six_stubs_with_the_right_facts(survey_root):
    shutil.rmtree(survey_root / "entries")
    (survey_root / "entries").mkdir()
    code, out = run("import-notes", str(NOTES), "--out", "entries/imported")
    assert code == 0
    stubs = {p.stem: yaml.safe_load(p.read_text()) for p in (survey_root / "entries" / "imported").glob("*.yaml")}
    assert set(stubs) == set(EXPECTED)
    for sid, (arxiv, date, orgs, tags, starred) in EXPECTED.items():
        s = stubs[sid]
        assert (s["arxiv"], s["date"], s["orgs"], s.get("tags", []), s.get("starred", False)) == (arxiv, date, orgs, tags, starred), sid
        assert s["links"]["paper"] == f"https://arxiv.org/abs/{arxiv}"
        assert s["notes"].strip()
    assert stubs["neugpt"]["title"] == "NeuGPT: Unified multi-modal Neural GPT"
    assert "中文笔记" in stubs["neugpt"]["notes"]
    assert "skipped tag '语音模型知识探索'" in out and "skipped section '### 总结'" in out
    assert "validate still wants: " in out


def test_stubs_validate_once_the_listed_fields_are_filled(survey_root):
    shutil.rmtree(survey_root / "entries")
    (survey_root / "entries").mkdir()
    code, out = run("import-notes", str(NOTES), "--out", "entries/imported")
    wants = {}
    for line in out.splitlines():
        if line.startswith("wrote "):
            current = line.split()[1].rsplit("/", 1)[1][:-5]
        if "validate still wants: " in line:
            wants[current] = {w.split(".")[0].split("[")[0] for w in line.split(": ", 1)[1].split(", ")}
    assert set(wants) == set(EXPECTED)
    for sid, fields in wants.items():
        path = survey_root / "entries" / "imported" / f"{sid}.yaml"
        data = yaml.safe_load(path.read_text())
        for field in fields:
            if field == "sources":
                data["sources"][0]["locator"] = "abstract page"
            else:
                data[field] = FILL[field]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    result = check(load_project(survey_root))
    assert result.errors == [], [p.message for p in result.errors]


def test_importing_twice_changes_nothing_and_says_so(survey_root):
    run("import-notes", str(NOTES), "--out", "entries/imported")
    before = {p: p.read_bytes() for p in (survey_root / "entries").rglob("*.yaml")}
    code, out = run("import-notes", str(NOTES), "--out", "entries/imported")
    assert code == 0 and out.strip().endswith("nothing changed")
    assert "0 written, 6 unchanged" in out
    assert {p: p.read_bytes() for p in (survey_root / "entries").rglob("*.yaml")} == before


def test_a_clash_is_reported_never_overwritten_and_can_go_beside(survey_root):
    existing = survey_root / "entries" / "model-a.yaml"
    existing.write_text(existing.read_text().replace('arxiv: "2401.00001"', 'arxiv: "2410.15316"'))
    before = existing.read_bytes()
    code, out = run("import-notes", str(NOTES), "--out", "entries/imported")
    assert "clash ichigo: already" in out and existing.read_bytes() == before
    assert not (survey_root / "entries" / "imported" / "ichigo.yaml").exists()
    code, out = run("import-notes", str(NOTES), "--out", "entries/imported", "--beside")
    side = survey_root / "entries" / "model-a.imported.md"
    assert side.exists() and "three training stages" in side.read_text()
    assert existing.read_bytes() == before


def test_dry_run_writes_nothing(survey_root):
    code, out = run("import-notes", str(NOTES), "--out", "entries/imported", "--dry-run")
    assert "would write" in out and not (survey_root / "entries" / "imported").exists()


def test_windows_line_endings_and_messy_links_give_the_same_records():
    text = NOTES.read_text(encoding="utf-8")
    a, _ = parse_notes(text, "a.md")
    b, _ = parse_notes(text.replace("\n", "\r\n"), "b.md")
    assert [(r.id, r.fields) for r in a] == [(r.id, r.fields) for r in b]
    sfm = next(r for r in a if r.id == "sfm")
    assert sfm.fields["arxiv"] == "2410.12948"  # from a /pdf/ link with v2 and .pdf


def test_bibtex_import(survey_root):
    records, skipped = parse_bibtex(BIB.read_text(), "papers.bib", KindRules((), "model"))
    by_id = {r.id: r for r in records}
    assert set(by_id) == {"ichigo", "moshi", "librispeech"}
    assert by_id["ichigo"].fields["arxiv"] == "2410.15316" and by_id["ichigo"].fields["date"] == "2024-10"
    assert by_id["moshi"].fields["authors"] == ["Alexandre Défossez", "Laurent Mazaré"]
    assert by_id["moshi"].fields["arxiv"] == "2410.00037" and by_id["moshi"].fields["date"] == "2024-09"
    assert "date" not in by_id["librispeech"].fields and any("month" in s for s in by_id["librispeech"].skipped)
    assert by_id["librispeech"].fields["venue"] == "ICASSP 2015"
    assert any("could not parse" in s for s in skipped)
    code, out = run("import-bib", str(BIB), "--out", "entries/from-bib")
    assert code == 0 and "3 written" in out and "skipped a block BibTeX could not parse" in out
    assert yaml.safe_load((survey_root / "entries" / "from-bib" / "moshi.yaml").read_text())["title"].startswith("Moshi")
