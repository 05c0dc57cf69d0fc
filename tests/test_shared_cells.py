"""A column shows the same few values thousands of times: each value is one Cell, shared by the rows showing
it, and a renderer prints a shared cell once per table. Sharing never merges values that print differently."""
from __future__ import annotations

import pytest

import builder.render.latex as latex
import builder.render.markdown as markdown
from builder.build import load_definitions
from builder.check import check
from builder.project import load_project
from builder.render.markdown import Links
from builder.tables.build import iter_tables, lookup, value_key
from builder.tables.leaderboard import iter_leaderboards
from conftest import generated_survey


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    root = generated_survey(tmp_path_factory.mktemp("shared") / "survey", 120)
    project = load_project(root)
    result = check(project)
    assert not result.errors
    return project, result, load_definitions(project, result.schema)


def _tables(survey) -> dict:
    project, result, definitions = survey
    return {t.name: t for t in iter_tables(definitions, result.corpus, result.schema.taxonomy)}


@pytest.mark.parametrize("a,b", [
    (True, 1), (False, 0), (1, 1.0), (0.0, -0.0), ("1", 1), ([True], [1]), ({"n": 1}, {"n": True}),
    ({"n": 1.0}, {"n": 1}), (["a", "b"], ["b", "a"]), ({"a": "x"}, {"a": "x", "b": None}),
    ({"a": [1]}, {"a": [True]}), ({"a": None}, {"a": "None"}), (["1.0"], [1.0]), ([None], ["None"]),
    ([["a"]], ["a"]), ({"a": {"b": 1}}, {"a": {"b": 1.0}}), ([-0.0], [0.0]),
])
def test_values_that_may_print_differently_never_share_a_key(a, b):
    assert value_key(a) != value_key(b)


@pytest.mark.parametrize("value", [
    "fused", 3, 2.5, -0.0, True, ["a", "b"], {"count": 8, "size": 1024, "layout": "parallel"},
    [{"part": "speech", "percent": 60}, {"part": "text", "percent": 40}],
])
def test_equal_values_share_a_key(value):
    import copy
    assert value_key(value) is not None and value_key(value) == value_key(copy.deepcopy(value))


def test_a_value_no_key_describes_is_never_shared():
    assert value_key({"a": object()}) is None and value_key([b"bytes"]) is None


def test_rows_with_one_value_in_a_column_hold_one_cell(survey):
    """architectures' 'Speech out' column (a taxonomy value): as many cell objects as values shown."""
    _, result, _ = survey
    table = _tables(survey)["architectures"]
    column = next(i for i, c in enumerate(table.columns) if c.header == "Speech out")
    by_value: dict = {}
    for row in table.rows:
        entry = result.corpus[row.cells[0].spans[0].entry]
        value = lookup(entry.data, "fusion.output")
        if isinstance(value, str):
            by_value.setdefault(value, set()).add(id(row.cells[column]))
    rows = sum(1 for row in table.rows
               if isinstance(lookup(result.corpus[row.cells[0].spans[0].entry].data, "fusion.output"), str))
    assert len(by_value) >= 2 and rows > len(by_value)  # values repeat: the test has something to show
    assert all(len(ids) == 1 for ids in by_value.values()), by_value


def test_the_rows_of_a_group_share_its_cell_and_markdown_prints_it_once(survey, monkeypatch):
    """architectures groups rows by a taxonomy value; a leaderboard by task and metric."""
    _, result, definitions = survey
    grouped = [_tables(survey)["architectures"], next(iter(iter_leaderboards(definitions, result.corpus)))]
    printed = []
    real_md = markdown.cell_md
    monkeypatch.setattr(markdown, "cell_md", lambda cell, links, anchor: printed.append(id(cell))
                        or real_md(cell, links, anchor))
    for table in grouped:
        groups: dict = {}
        for row in table.rows:
            groups.setdefault(row.group_key, set()).add(id(row.group))
        assert all(len(cells) == 1 for cells in groups.values()), table.name
        assert len(groups) < len(table.rows), table.name  # some group has several rows
        printed.clear()
        markdown.render_markdown(table, Links(entry=lambda i: f"{i}.md"))
        assert sorted(i for i in printed if i in {id(r.group) for r in table.rows}) == \
            sorted({id(r.group) for r in table.rows}), table.name


def test_a_cell_with_a_footnote_is_its_rows_own(survey):
    for table in _tables(survey).values():
        seen: dict = {}
        for row in table.rows:
            for cell in row.cells:
                if cell.footnotes:
                    assert seen.setdefault(id(cell), row) is row, (table.name, cell)


def test_each_shared_cell_is_printed_once_per_table_in_latex_and_markdown(survey, monkeypatch):
    printed = {"tex": [], "md": []}
    real_tex, real_md = latex.cell_tex, markdown.cell_md
    monkeypatch.setattr(latex, "cell_tex", lambda cell: printed["tex"].append(id(cell)) or real_tex(cell))
    monkeypatch.setattr(markdown, "cell_md", lambda cell, links, anchor: printed["md"].append(id(cell))
                        or real_md(cell, links, anchor))
    links = Links(entry=lambda i: f"{i}.md")
    for table in _tables(survey).values():
        printed["tex"].clear()
        printed["md"].clear()
        latex.render_latex(table)
        markdown.render_markdown(table, links)
        cells = [id(c) for row in table.rows for c in row.cells]
        assert len(set(cells)) < len(cells), table.name  # this survey repeats values in every table
        for kind in ("tex", "md"):  # (group cells, printed where each group starts, are not the rows' cells)
            assert sorted(i for i in printed[kind] if i in set(cells)) == sorted(set(cells)), (kind, table.name)


def test_a_model_is_named_by_one_cell_across_every_leaderboard_of_a_build(survey):
    _, result, definitions = survey
    cells: dict = {}
    boards = list(iter_leaderboards(definitions, result.corpus))
    for board in boards:
        for row in board.rows:
            who = row.cells[0]
            if who.spans[0].entry:
                cells.setdefault(who.spans[0].entry, set()).add(id(who))
    assert len(boards) > 1 and cells
    assert all(len(ids) == 1 for ids in cells.values())
    assert sum(len(b.rows) for b in boards) > len(cells)  # models show in more than one row


@pytest.mark.parametrize("a,b,shown_a,shown_b", [("0.0", "-0.0", "0.0", "\\-0.0"), ("1", "1.0", "1", "1.0")])
def test_entry_pages_remember_a_value_per_field_but_never_mix_values_that_print_differently(tmp_path, a, b,
                                                                                            shown_a, shown_b):
    """A page's field values are remembered across the pages of a build (a mapping as a whole, too); equal
    numbers written differently (0.0 and -0.0, 1 and 1.0) stay as each entry wrote them."""
    from builder.build import Outputs
    from builder.site_pages import SiteWriter
    from conftest import make_root
    root = make_root(tmp_path / "survey")
    for name, latency in (("model-a", a), ("model-b", b)):
        path = root / "entries" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text + f"latency_ms: {{value: {latency}, what: first audio out}}\n", encoding="utf-8")
    project = load_project(root)
    result = check(project)
    assert not result.errors, result.errors
    writer = SiteWriter(project, result, Outputs())
    pages = {e.id: writer.render_entry(e) for e in result.corpus.entries}
    assert f"| value: {shown_a}; what: first audio out |" in pages["model-a"]
    assert f"| value: {shown_b}; what: first audio out |" in pages["model-b"]
