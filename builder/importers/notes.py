"""Read paper notes written as a Hexo-style blog post: one `### YYYYMM `tags` Org [☆]` section per paper.

Tolerant of what real notes contain: CRLF line endings, missing stars, arXiv
abs/pdf/html links with or without a version, full-width punctuation and
spaces, front matter, and sections that are not papers (reported as skipped).
"""
from __future__ import annotations

import re
import unicodedata

from builder.importers.records import KindRules, Record, arxiv_id, choose_id, guess_kind, normalise_tag

HEADER = re.compile(r"^#{2,4}\s+(?P<date>\d{6})\s*(?:[`｀](?P<tags>[^`｀]*)[`｀])?\s*(?P<rest>.*)$")
LINK = re.compile(r"\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)")
STARS = "☆★⭐"
FULLWIDTH = {"，": ",", "、": ",", "；": ";", "：": ":", "\u3000": " ", "（": "(", "）": ")"}


def _clean(text: str) -> str:
    return "".join(FULLWIDTH.get(ch, ch) for ch in text)


def parse_notes(text: str, source: str, rules: KindRules = KindRules()) -> tuple[list, list]:
    """Records for every paper section, and messages about what was skipped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":  # front matter
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                start = i + 1
                break
    sections = []
    for i in range(start, len(lines)):
        if HEADER.match(_clean(lines[i]).strip()):
            sections.append(i)
        elif lines[i].startswith("### "):
            sections.append(i)
    records, skipped = [], []
    for n, begin in enumerate(sections):
        end = sections[n + 1] if n + 1 < len(sections) else len(lines)
        header = _clean(lines[begin]).strip()
        m = HEADER.match(header)
        where = f"{source}:{begin + 1}"
        if not m:
            skipped.append(f"{where}: skipped section {header[:60]!r}: its heading has no YYYYMM date")
            continue
        body_lines = lines[begin + 1:end]
        link_at = next((j for j, line in enumerate(body_lines) if LINK.search(line)), None)
        if link_at is None:
            skipped.append(f"{where}: skipped section: no [title](link) line")
            continue
        link = LINK.search(body_lines[link_at])
        title = " ".join(_clean(link.group("title")).split())
        arxiv = arxiv_id(link.group("url"))
        raw_tags = [t.strip() for t in (_clean(m.group("tags") or "")).split(",") if t.strip()]
        rest = m.group("rest") or ""
        starred = any(s in rest for s in STARS)
        org = " ".join(rest.translate({ord(s): None for s in STARS}).split())
        record = Record(id=choose_id(title, raw_tags), kind="", kind_reason="", origin=where)
        record.kind, record.kind_reason = guess_kind(title, raw_tags, rules)
        tags = []
        for tag in raw_tags:
            norm = normalise_tag(tag)
            if norm is None:
                record.skipped.append(f"tag {tag!r} (tags are lowercase ASCII)")
            elif norm not in tags:
                tags.append(norm)
        date = m.group("date")
        record.fields = {"title": title, "date": f"{date[:4]}-{date[4:]}"}
        if arxiv:
            record.fields["arxiv"] = arxiv
            record.fields["links"] = {"paper": f"https://arxiv.org/abs/{arxiv}"}
        else:
            record.fields["links"] = {"paper": link.group("url")}
            record.skipped.append("arXiv id (the link is not an arXiv link)")
        if org:
            record.fields["orgs"] = [org]
        if tags:
            record.fields["tags"] = tags
        if starred:
            record.fields["starred"] = True
        notes = "\n".join(body_lines[:link_at] + body_lines[link_at + 1:]).strip("\n")
        if notes.strip():
            record.fields["notes"] = unicodedata.normalize("NFC", notes) + "\n"
        records.append(record)
    return records, skipped
