"""`fmt` keeps every comment and changes no value; validate and build never touch entries."""
from __future__ import annotations

import hashlib

from builder.build import build
from builder.fmt import format_text
from builder.load import parse
from builder.project import load_project
from builder.schema import load_schema
from builder.site_pages import site_pages
from conftest import REPO, repo_corpus_root

ORDER = load_schema(REPO / "schema" / "entry.schema.json").key_order()


def comments(text: str) -> list:
    return sorted(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


def test_fmt_on_every_entry_keeps_comments_and_values():
    files = sorted((REPO / "entries").rglob("*.yaml")) + sorted((REPO / "tests" / "fixtures").rglob("*.yaml"))
    assert len(files) > 45
    for f in files:
        before = f.read_text(encoding="utf-8")
        after = format_text(before, ORDER)
        assert comments(after) == comments(before), f
        assert parse(after, str(f)).data == parse(before, str(f)).data, f
        assert format_text(after, ORDER) == after, f"fmt is not idempotent on {f}"


def test_fmt_reorders_and_quotes_but_keeps_a_comment_on_a_moved_key():
    text = ('# header comment\nid: x\ndate: "2024-01"\narxiv: "2401.00001"\n'
            '# about the title\ntitle: T\nkind: model\n')
    out = format_text(text, ORDER)
    assert out.index("title:") < out.index("date:")
    assert "# about the title" in out and "# header comment" in out
    assert 'arxiv: "2401.00001"' in out


def test_validate_and_build_never_modify_entries(tmp_path):
    root = repo_corpus_root(tmp_path / "survey")
    digest = lambda: {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "entries").rglob("*.yaml")}
    before = digest()
    assert build(load_project(root), site_pages=site_pages).ok
    assert digest() == before
