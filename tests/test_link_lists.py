"""Long lists of links on site pages: one link per line, so MkDocs' Markdown stays linear in them.

Python-Markdown's time grows with the square of the links in one paragraph or list item: a taxonomy
value holding 800 papers as one "Papers: a, b, c..." sentence took 8 s of a 1,000-entry site's build.
"""
from __future__ import annotations

import re

import markdown
import pytest
import yaml

from builder.build import build
from builder.project import load_project
from builder.site_pages import INLINE_LINKS, link_list, site_pages
from conftest import REPO, generated_survey

LINK = re.compile(r"\]\(")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = generated_survey(tmp_path_factory.mktemp("links") / "survey", 160)
    project = load_project(root)
    assert build(project, site_pages=site_pages).ok
    return project.root / "docs" / "survey"


def site_markdown(text: str) -> str:
    """The page as the site's MkDocs converts it (the Markdown extensions of mkdocs.yml)."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    return markdown.markdown(text, extensions=names)


def test_a_few_links_stay_a_sentence_and_many_become_a_list():
    few = [f"[M{i}](m{i}.md)" for i in range(INLINE_LINKS)]
    assert link_list("Papers", few) == "Papers: " + ", ".join(few) + "\n"
    many = [f"[M{i}](m{i}.md)" for i in range(INLINE_LINKS + 1)]
    assert link_list("Papers", many) == (f"Papers ({INLINE_LINKS + 1}):\n{{: .slm-members }}\n\n"
                                         + "".join(f"- {m}\n" for m in many))


def test_no_generated_line_outside_a_table_holds_more_links_than_a_sentence(pages):
    checked = 0
    for page in sorted(pages.rglob("*.md")):
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if not line.startswith("|"):  # a table's cells are converted one by one
                assert len(LINK.findall(line)) <= INLINE_LINKS, f"{page}:{number}"
                checked += 1
    assert checked > 1000


def test_a_taxonomy_value_with_many_papers_lists_them_in_columns(pages):
    text = (pages / "taxonomy" / "kind.md").read_text(encoding="utf-8")
    models = sorted(p.stem for p in (pages.parent.parent / "entries" / "models").glob("*.yaml"))
    assert len(models) > INLINE_LINKS
    assert f"Papers ({len(models)}):\n{{: .slm-members }}\n\n" in text
    html = site_markdown(text)
    block = re.search(rf'<p class="slm-members">Papers \({len(models)}\):</p>\s*<ul>(.*?)</ul>', html, re.S)
    assert block is not None
    items = re.findall(r"<li>(.*?)</li>", block.group(1))
    assert len(items) == len(models) and all(item.count("<a ") == 1 for item in items)
    assert {re.search(r"entries/(m\d+)\.md", item).group(1) for item in items} == set(models)


def test_a_taxonomy_value_with_few_papers_keeps_its_sentence(pages):
    text = (pages / "taxonomy" / "kind.md").read_text(encoding="utf-8")
    benchmarks = sorted(p.stem for p in (pages.parent.parent / "entries" / "benchmarks").glob("*.yaml"))
    assert 0 < len(benchmarks) <= INLINE_LINKS
    line = next(line for line in text.splitlines() if "entries/b0" in line)
    assert line.startswith("Papers: [") and len(LINK.findall(line)) == len(benchmarks)


def test_an_entry_referred_to_by_many_lists_them_under_its_short_references(pages):
    crowded = []
    for page in sorted((pages / "entries").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if "{: .slm-members }" in text:
            crowded.append((page, text))
    assert crowded, "no entry in the generated survey is referred to by more than a sentence's worth"
    for page, text in crowded:
        section = text.split("## Referenced by\n", 1)[1]
        html = site_markdown("## Referenced by\n" + section)
        # every long group is a labelled list of its own, after the list of short groups
        groups = re.findall(r'<p class="slm-members"><strong>([^<]+)</strong> \((\d+)\):</p>\s*<ul>(.*?)</ul>',
                            html, re.S)
        assert len(groups) == section.count("{: .slm-members }") > 0, page
        for label, count, items in groups:
            assert int(count) == items.count("<li>") == items.count("<a ") > INLINE_LINKS, (page, label)
