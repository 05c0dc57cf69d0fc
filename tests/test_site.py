"""The site: built with mkdocs --strict, nothing executable from entries, nothing fetched from elsewhere."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest


class Scan(HTMLParser):
    """Collect what could run or fetch: script tags, event handlers, URL attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list = []
        self.handlers: list = []
        self.urls: list = []
        self.tags: list = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = True
            self.scripts.append(attrs.get("src") or "")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in ("href", "src", "action", "formaction", "xlink:href", "data") and value:
                self.urls.append((tag, name, value))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def scan(path: Path) -> Scan:
    s = Scan()
    s.feed(path.read_text(encoding="utf-8"))
    return s


@pytest.fixture(scope="module")
def site(built) -> Path:
    done = built["site"]
    assert done.returncode == 0, done.stdout + done.stderr
    return built["project"].site_dir


def test_mkdocs_strict_build_has_no_warnings(built, site):
    output = built["site"].stdout + built["site"].stderr
    assert not re.search(r"^\s*(WARNING|ERROR)\b", output, re.MULTILINE), output
    assert (site / "index.html").exists() and (site / "survey" / "entries" / "ichigo" / "index.html").exists()


def test_injection_payloads_produce_nothing_executable(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        s = scan(page)
        for code in s.scripts:
            assert "xss" not in code and "alert(" not in code, page
        assert s.handlers == [], (page, s.handlers[:3])
        for tag, name, value in s.urls:
            scheme = html.unescape(value).strip().lower().replace("\t", "").replace("\n", "")
            assert not scheme.startswith(("javascript:", "vbscript:", "data:text")), (page, tag, value)
        assert "iframe" not in s.tags, page
    hostile = (site / "survey" / "entries" / "hostile-model" / "index.html").read_text(encoding="utf-8")
    assert "raw link" in hostile and "click me" in hostile  # the text survives, the behaviour does not
    notes = hostile.split('<div class="slm-notes">', 1)[1].split("</div>", 1)[0]
    for payload in ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<svg", "<img"):
        assert payload not in notes.lower(), payload


def test_nothing_is_fetched_from_elsewhere(site):
    for page in sorted(site.rglob("*.html")):
        s = scan(page)
        for tag, name, value in s.urls:
            if tag in ("script", "img", "iframe", "source", "video", "audio") or (tag == "link" and name == "href"):
                assert not value.startswith(("http:", "https:", "//")), (page, tag, value)
    assert "fonts.googleapis" not in (site / "index.html").read_text()


def test_chinese_note_is_in_the_page(site):
    page = (site / "survey" / "entries" / "cjk-notes" / "index.html").read_text(encoding="utf-8")
    assert "用 WhisperVQ 把语音离散化后并入词表" in page and "<li>第一阶段：预训练</li>" in page


def test_search_index_knows_the_papers(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    titles = {doc["title"] for doc in index["docs"]}
    assert "Ichigo" in titles and "SALMONN" in titles


def test_entry_page_shows_sources_backlinks_and_bibtex(site):
    page = (site / "survey" / "entries" / "whisper" / "index.html").read_text(encoding="utf-8")
    assert "Referenced by" in page and "SALMONN" in page and "studied by" in page
    assert "@misc{whisper," in page
    assert 'href="https://github.com/openai/whisper/blob/' in page


def test_taxonomy_pages_define_every_value(built, site):
    taxonomy = built["result"].check.schema.taxonomy
    for dim in taxonomy:
        page = (site / "survey" / "taxonomy" / dim.name / "index.html").read_text(encoding="utf-8")
        for value in dim.values:
            assert html.escape(value.definition, quote=False) in page or value.definition in page, (dim.name, value.value)
    levels = (site / "survey" / "taxonomy" / "understanding_level" / "index.html").read_text(encoding="utf-8")
    assert "L5 Speech AGI (Generalist)" in levels and "Qwen2-Audio" in levels


ZENSICAL = shutil.which("zensical") or (str(Path(sys.executable).with_name("zensical"))
                                        if Path(sys.executable).with_name("zensical").exists() else None)


@pytest.mark.skipif(ZENSICAL is None, reason="Zensical is not installed (pip install zensical to run this check)")
def test_zensical_builds_the_same_project(built, tmp_path):
    """Material's successor reads the same mkdocs.yml and generated pages (built in a copy)."""
    copy = tmp_path / "survey"
    shutil.copytree(built["root"], copy, ignore=shutil.ignore_patterns("site", "build"))
    done = subprocess.run([ZENSICAL, "build", "--strict", "-f", str(copy / "mkdocs.yml")], cwd=copy,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    page = (copy / "site" / "survey" / "entries" / "ichigo" / "index.html").read_text(encoding="utf-8")
    assert "WhisperVQ" in page
