"""Untrusted Markdown notes to safe HTML: render with Python-Markdown, then sanitise with nh3 (Ammonia).

Nothing executable survives: no script or style, no event-handler attributes,
no javascript: or data: URLs. Images are dropped too, because the site must not
fetch anything from elsewhere when a reader views it.
"""
from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = {"p", "br", "hr", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
                "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


_converter = None


def _markdown(text: str) -> str:
    """One converter, reset between notes: building a new one per note costs more than converting it."""
    global _converter
    if _converter is None:
        import markdown  # only notes with markup need it (most are plain prose): not imported at every start
        _converter = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    return _converter.reset().convert(text)


# Prose Markdown would only cut into paragraphs: letters, digits and plain punctuation, and no line that
# could open a block (list, code, rule, heading underline) or end in a hard break. Most notes are such prose.
# The tests below are spelled out as substring tests where they can be: one regular expression with
# alternatives tried at every character took 31 us for a 900-character note, this takes 16.
_NOT_PROSE_CHAR = re.compile(r"[^\w ,.;:()'\"?!/%\n-]")  # and "_", which \w lets through
_NUMBERED = re.compile(r"(?m)^\d+[.)](?:\s|$)")  # a line that opens an ordered list


def plain_prose_html(text: str) -> str | None:
    """What Python-Markdown makes of plain prose, without running it (it costs 0.3 ms a note); None if not prose."""
    if ("_" in text or _NOT_PROSE_CHAR.search(text)
            or text.startswith((" ", "-")) or "\n " in text or "\n-" in text  # a line that opens a list or code
            or text.endswith(" ") or " \n" in text  # a line that ends in a space (two make a hard break)
            or _NUMBERED.search(text)):
        return None
    return "\n".join(f"<p>{block}</p>" for block in re.split(r"\n\n+", text.strip("\n")) if block)


def render_notes(text: str) -> str:
    """HTML for a note: headings are demoted below the page's own (h1 -> h3)."""
    text = text or ""
    html = plain_prose_html(text)
    if html is not None:
        return html  # paragraphs of text with no <, > or &: the sanitiser would return it as it is (a property test)
    html = _markdown(text)
    for level in (2, 1):  # demote h1/h2 so a note cannot outrank the page's structure
        html = html.replace(f"<h{level}", f"<h{level + 2}").replace(f"</h{level}>", f"</h{level + 2}>")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow", strip_comments=True).strip()
