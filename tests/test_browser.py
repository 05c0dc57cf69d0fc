"""The site as a reader meets it: headless Chromium (Debian's) against a local server started here."""
from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest

from conftest import REPO, need_tool

pytestmark = pytest.mark.browser
SHOTS = REPO / "build" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built):
    assert built["site"].returncode == 0
    handler = functools.partial(QuietHandler, directory=str(built["project"].site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    need_tool("chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.dialogs = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("requestfailed", lambda r: pg.errors.append("failed: " + r.url))
    pg.on("request", lambda r: pg.errors.append("external: " + r.url) if not r.url.startswith(server) else None)

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()
    pg.on("dialog", on_dialog)
    pg.base = server
    yield pg
    context.close()


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"))


def test_home_and_paper_pages_load_cleanly(page):
    page.goto(page.base + "/")
    page.wait_for_load_state("networkidle")
    assert "Speech Language Models" in page.title()
    assert page.locator(".slm-figure svg").count() == 1
    shot(page, "home")
    page.goto(page.base + "/survey/entries/ichigo/")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Ichigo")
    shot(page, "paper-ichigo")
    assert page.errors == []


def _column(page, table, index):
    return [c.inner_text().strip() for c in table.locator(f"tbody tr:not([hidden]) td:nth-child({index})").all()]


def test_clicking_a_header_sorts_the_table(page):
    page.goto(page.base + "/survey/tables/architectures/")
    page.wait_for_load_state("networkidle")
    table = page.locator("article table").first
    header = table.locator("thead th", has_text="Model")
    header.click()
    names = _column(page, table, 2)
    assert names == sorted(names, key=str.lower) and len(names) >= 9
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert _column(page, table, 2) == sorted(names, key=str.lower, reverse=True)
    shot(page, "table-architectures")
    assert page.errors == []


def test_typing_in_the_filter_hides_other_rows(page):
    page.goto(page.base + "/survey/papers/")
    page.wait_for_load_state("networkidle")
    table = page.locator("article table").first
    total = table.locator("tbody tr").count()
    page.locator(".slm-filter").first.fill("qwen")
    visible = table.locator("tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert all("qwen" in t.lower() for t in visible.all_inner_texts())
    page.locator(".slm-filter").first.fill("")
    assert table.locator("tbody tr:not([hidden])").count() == total


def test_search_finds_ichigo(page):
    page.goto(page.base + "/")
    page.wait_for_load_state("networkidle")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    result = page.locator(".md-search-result__item").first
    # The search index loads in a worker; a query typed before it is ready gets no answer, so type it again.
    for _ in range(6):
        box.fill("")
        box.type("Ichigo", delay=30)
        try:
            result.wait_for(timeout=5000)
            break
        except Exception:
            continue
    assert "Ichigo" in page.locator(".md-search-result").inner_text()
    shot(page, "search-ichigo")


def test_chinese_note_renders(page):
    page.goto(page.base + "/survey/entries/cjk-notes/")
    page.wait_for_load_state("networkidle")
    note = page.locator(".slm-notes")
    assert "用 WhisperVQ 把语音离散化后并入词表" in note.inner_text()
    assert note.locator("li").count() == 2
    box = note.bounding_box()
    assert box and box["height"] > 20
    shot(page, "paper-chinese-note")


def test_a_long_list_of_papers_is_set_in_columns(page):
    """A taxonomy value with many papers lists them one per line (see test_link_lists.py), in columns."""
    page.set_viewport_size({"width": 1300, "height": 900})
    page.goto(page.base + "/survey/taxonomy/kind/")
    page.wait_for_load_state("networkidle")
    items = page.locator("p.slm-members + ul").first.locator("li")
    assert items.count() > 12
    lefts = {round(items.nth(i).bounding_box()["x"]) for i in range(items.count())}
    assert len(lefts) >= 2  # more than one column on a wide screen
    shot(page, "taxonomy-long-list")


def test_hostile_page_and_search_run_nothing(page):
    page.goto(page.base + "/survey/entries/hostile-model/")
    page.wait_for_load_state("networkidle")
    for link in page.locator(".slm-notes a").all():
        href = link.get_attribute("href") or ""
        assert not re.match(r"\s*javascript:", href, re.I)
    page.locator(".md-search__input").first.click()
    page.locator("input.md-search__input").fill("xss alert script")
    page.wait_for_timeout(1500)
    assert page.dialogs == []
    assert page.locator("script:has-text('xss')").count() == 0
