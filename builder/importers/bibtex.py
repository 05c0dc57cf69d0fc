"""Read a BibTeX file with bibtexparser (LaTeX decoded, names split) into records."""
from __future__ import annotations

import logging

import bibtexparser
from bibtexparser import middlewares as mw

from builder.importers.records import KindRules, Record, arxiv_id, choose_id, guess_kind, slugify


def _name(parts) -> str:
    return " ".join(" ".join(p) for p in (parts.first, parts.von, parts.last, parts.jr) if p)


def parse_bibtex(text: str, source: str, rules: KindRules = KindRules()) -> tuple[list, list]:
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # failures are reported below instead
    library = bibtexparser.parse_string(text, append_middleware=[
        mw.LatexDecodingMiddleware(), mw.MonthIntMiddleware(True), mw.SeparateCoAuthors(), mw.SplitNameParts()])
    records, skipped = [], []
    for block in library.failed_blocks:
        skipped.append(f"{source}:{block.start_line + 1}: skipped a block BibTeX could not parse")
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        where = f"{source}:{entry.start_line + 1}"
        title = " ".join(str(fields.get("title", "")).replace("{", "").replace("}", "").split())
        if not title:
            skipped.append(f"{where}: skipped @{entry.entry_type}{{{entry.key}}}: no title")
            continue
        record = Record(id=choose_id(title, []) or slugify(entry.key), kind="", kind_reason="", origin=where)
        record.kind, record.kind_reason = guess_kind(title, [], rules)
        record.fields["title"] = title
        authors = fields.get("author")
        if isinstance(authors, list) and authors:
            record.fields["authors"] = [_name(a) for a in authors]
        year, month = str(fields.get("year", "")).strip(), fields.get("month")
        if year.isdigit() and isinstance(month, int) and 1 <= month <= 12:
            record.fields["date"] = f"{year}-{month:02d}"
        elif year.isdigit():
            record.skipped.append(f"the month (only the year {year} is given)")
        arxiv = None
        for key in ("eprint", "url", "journal", "note", "howpublished"):
            arxiv = arxiv or arxiv_id(str(fields.get(key, "")))
        if arxiv:
            record.fields["arxiv"] = arxiv
            record.fields["links"] = {"paper": f"https://arxiv.org/abs/{arxiv}"}
        elif str(fields.get("url", "")).startswith(("http://", "https://")):
            record.fields["links"] = {"paper": str(fields["url"])}
        if fields.get("booktitle") or fields.get("journal"):
            venue = str(fields.get("booktitle") or fields.get("journal"))
            if not venue.lower().startswith("arxiv"):
                record.fields["venue"] = venue[:200]
        records.append(record)
    return records, skipped
