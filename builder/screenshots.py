"""`make screenshots`: refresh the PNGs the README shows, from the built site and the compiled paper.

Uses Playwright with Debian's Chromium (no browser download) and pdftoppm.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading

from builder.project import load_project
from builder.sitebuild import compile_pdf

PAGES = [("home", "/"), ("entry", "/survey/entries/ichigo/"), ("table", "/survey/tables/architectures/")]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main(root=".", out="docs/assets/screenshots") -> int:
    from playwright.sync_api import sync_playwright
    project = load_project(root)
    out_dir = project.root / out
    out_dir.mkdir(parents=True, exist_ok=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(project.site_dir)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            for name, path in PAGES:
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(out_dir / f"{name}.png"))
                print(f"screenshots: {out_dir / (name + '.png')}")
            browser.close()
    finally:
        httpd.shutdown()
    if compile_pdf(project.latex_dir) is not None and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "4", "-l", "4", "-singlefile",
                        str(project.latex_dir / "survey.pdf"), str(out_dir / "survey-pdf")], check=True)
        print(f"screenshots: {out_dir / 'survey-pdf.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
