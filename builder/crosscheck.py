"""Checks that need the whole corpus: identity, references, sums, dates, provenance.

Which fields refer to which kinds of entry, and which lists must sum to what,
are declared in the survey's ``survey.yaml``; the engine only knows the generic
fields every survey entry has (id, kind, date, arxiv, sources, results).
"""
from __future__ import annotations

import datetime as dt
import marshal

from builder.memo import near_each, own_each
from builder.paths import walk
from builder.problems import ERROR, WARNING, Problem
from builder.safe_text import show
from builder.validate import nearest


def _problem(entry, json_path, message, severity=ERROR, key=False, hint=""):
    line, col = entry.key_position(json_path) if key else entry.position(json_path)
    return Problem(entry.path, line, col, f"{severity}: {message}", severity, hint, tuple(json_path))


def _month(text):
    try:
        year, month = text.split("-")
        return int(year), int(month)
    except (ValueError, AttributeError):
        return None


def check_identity(entries) -> list:
    out = []
    seen_ids: dict = {}
    seen_arxiv: dict = {}
    for e in sorted(entries, key=lambda e: e.path):
        eid = e.get("id")
        if isinstance(eid, str) and eid != e.file.stem:
            out.append(_problem(e, ("id",), f"id {show(eid)} must equal the file name {show(e.file.stem)}",
                                hint=f"rename the file to {eid}.yaml or set id: {e.file.stem}"))
        if isinstance(eid, str):
            if eid in seen_ids:
                first = seen_ids[eid]
                out.append(_problem(e, ("id",), f"id {show(eid)} is already used by {first.path}:{first.position(('id',))[0]}"))
            else:
                seen_ids[eid] = e
        arxiv = e.get("arxiv")
        if isinstance(arxiv, str):
            if arxiv in seen_arxiv:
                first = seen_arxiv[arxiv]
                out.append(_problem(e, ("arxiv",), f"arXiv id {arxiv} is already the identity of {first.path}:{first.position(('arxiv',))[0]}",
                                    hint="one paper, one entry: merge them"))
            else:
                seen_arxiv[arxiv] = e
    return out


def check_references(corpus, rules, memo=None, reuse: bool = False) -> list:
    """reuse: the ids and kinds are those of the last call with this memo, so an unchanged entry's
    references are still right or still wrong in the same way (its problems are kept)."""
    if memo is not None and not reuse:
        memo.store("reference-checks").clear()
    ids = list(corpus.by_id)
    out = []
    for found in own_each(memo, "reference-checks", corpus.entries,
                          lambda e: _reference_problems(e, corpus, ids, rules, memo)):
        out += found
    return out


def _reference_problems(e, corpus, ids, rules, memo) -> list:
    out = []
    by_id = corpus.by_id
    for rule_index, where, value in corpus.refs_of(e, rules, memo):
        if not isinstance(value, str):
            continue
        rule = rules[rule_index]
        kinds = rule["kinds"]
        target = by_id.get(value)
        if target is None:
            best = nearest(value, ids)
            tip = f"; did you mean {show(best)}?" if best else ""
            out.append(_problem(e, where, f"no entry with id {show(value)}{tip}",
                                hint=f"{rule['path']} refers to an entry of kind {' or '.join(kinds)}"))
        elif target.kind not in kinds:
            out.append(_problem(e, where, f"{show(value)} is a {target.kind} entry; {rule['path']} needs {' or '.join(kinds)}"))
    return out


def check_sums_of(e, rules) -> list:
    """Lists declared in survey.yaml whose numbers must add up (e.g. percentages to 100)."""
    out = []
    for rule in rules:
        for where, items in walk(e.data, rule["path"]):
            if not isinstance(items, list):
                continue
            numbers = [i.get(rule["field"]) for i in items if isinstance(i, dict)]
            if not numbers or not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
                continue
            total = sum(numbers)
            if abs(total - rule["total"]) > 1e-6:
                out.append(_problem(e, where, f"{rule['path']} {rule['field']}s sum to {total:g}, not {rule['total']:g}"))
    return out


def check_sources(e, schema) -> list:
    """Sources must cover fields the entry has; core facts should name a source."""
    out = []
    sources = e.get("sources")
    if not isinstance(sources, list):
        return out
    covered = set()
    ids = set()
    for i, src in enumerate(sources):
        if not isinstance(src, dict):
            continue
        if src.get("id") in ids:
            out.append(_problem(e, ("sources", i, "id"), f"source id {show(src.get('id'))} is used twice"))
        ids.add(src.get("id"))
        for j, name in enumerate(src.get("covers", []) or []):
            if not isinstance(name, str):
                continue
            if name not in e.data or name == "sources":
                best = nearest(name, [k for k in e.data if k != "sources"])
                tip = f"; did you mean {show(best)}?" if best else ""
                out.append(_problem(e, ("sources", i, "covers", j), f"covers {show(name)}, which this entry does not have{tip}"))
            covered.add(name)
    for name in schema.core_fields:
        value = e.get(name)
        if value is None or (isinstance(value, dict) and "unknown" in value):
            continue
        if name not in covered:
            out.append(_problem(e, (name,), f"no source covers {show(name)}; add it to the `covers` of the source it came from",
                                WARNING, key=True))
    for r, result in enumerate(e.get("results", []) or []):
        if isinstance(result, dict) and isinstance(result.get("source"), str) and result["source"] not in ids:
            best = nearest(result["source"], [i for i in ids if isinstance(i, str)])
            tip = f"; did you mean {show(best)}?" if best else ""
            out.append(_problem(e, ("results", r, "source"), f"result cites source {show(result['source'])}, which is not in this entry's sources{tip}"))
    return out


def check_dates(e, today: dt.date) -> list:
    out = []
    date = _month(e.get("date"))
    if date is None:
        return out
    if date > (today.year, today.month):
        out.append(_problem(e, ("date",), f"date {e.get('date')} is in the future (today is {today:%Y-%m})"))
    arxiv = e.get("arxiv")
    if isinstance(arxiv, str) and len(arxiv) >= 4 and arxiv[:4].isdigit():
        ym = (2000 + int(arxiv[:2]), int(arxiv[2:4]))
        if not 1 <= ym[1] <= 12:
            out.append(_problem(e, ("arxiv",), f"arXiv id {arxiv} names month {ym[1]:02d}, which does not exist"))
            return out
        if date > ym:
            out.append(_problem(e, ("date",), f"date {e.get('date')} is later than arXiv id {arxiv} allows ({ym[0]}-{ym[1]:02d}); "
                                              "the first public version cannot postdate arXiv"))
        else:
            gap = (ym[0] - date[0]) * 12 + ym[1] - date[1]
            if gap > 1 and not e.get("date_note"):
                out.append(_problem(e, ("date",), f"date {e.get('date')} is {gap} months before arXiv id {arxiv}; "
                                                  "say why in date_note (e.g. released before the paper)", WARNING))
    return out


def result_subject_kinds(project) -> tuple:
    """Kinds whose entries may report their own results without naming `model` (from survey.yaml's references)."""
    for rule in project.references:
        if rule.get("path") == "results[].model":
            return tuple(rule.get("kinds", ()))
    return ()


def check_results(e, corpus, subject_kinds=()) -> list:
    """Every result needs a direction, given or declared by its benchmark's metric."""
    out = []
    for r, result in enumerate(e.get("results", []) or []):
        if not isinstance(result, dict) or "direction" in result:
            continue
        bench = corpus.get(result.get("benchmark"))
        if bench is None:
            continue
        metrics = {m.get("name"): m for m in bench.get("metrics", []) or [] if isinstance(m, dict)}
        if result.get("metric") not in metrics:
            out.append(_problem(e, ("results", r, "metric"),
                                f"metric {show(result.get('metric'))} is not declared by benchmark {show(bench.id)}; "
                                f"give this result a direction or add the metric there",
                                hint="declared: " + ", ".join(map(str, metrics)) if metrics else ""))
        if "model" not in result and "system" not in result and e.kind not in subject_kinds:
            out.append(_problem(e, ("results", r), "a result in a non-model entry must name its model or system"))
    return out


def check_placeholders(e) -> list:
    """A TODO left from `slm-survey new` is an error wherever it is."""
    if e.loaded.no_todo:  # the loader found no b"TODO" in the entry's marshal bytes
        return []
    try:  # marshal holds every string as its UTF-8 (or ASCII) bytes: no b"TODO" there, no TODO anywhere
        if b"TODO" not in marshal.dumps(e.data):
            return []
    except ValueError:
        pass
    out = []

    def visit(value, path):
        if isinstance(value, str) and "TODO" in value:
            out.append(_problem(e, path, f"placeholder left: {show(value)}; fill it in or delete the key"))
        elif isinstance(value, dict):
            for k, v in value.items():
                visit(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, path + (i,))
    visit(e.data, ())
    return out


def cross_check(corpus, schema, project, today: dt.date | None = None, memo=None) -> list:
    """Every check needing more than one file; with a memo, per-entry results of unchanged entries are reused."""
    today = today or dt.date.today()
    state = memo.store("cross-check") if memo is not None else {}
    same = _same_ids_and_kinds(state, corpus, memo)
    if same and not state["identity"] and all(
            corpus[i].get("arxiv") == state["arxiv"].get(i) and corpus[i].get("id") == corpus[i].file.stem
            for i in memo.changed):
        out = []  # no clash before, the same ids, and no changed arXiv id: still none
    else:
        out = check_identity(corpus.entries)
    if memo is not None:
        if same:
            for i in memo.changed:
                state["arxiv"][i] = corpus[i].get("arxiv")
        else:
            state.update(index=corpus.index, kinds={e.id: e.kind for e in corpus.entries},
                         arxiv={e.id: e.get("arxiv") for e in corpus.entries})
        state["identity"] = list(out)
    subject_kinds = result_subject_kinds(project)
    out += check_references(corpus, project.references, memo, reuse=same)
    sums = project.sums

    def alone(e):  # checks that read this entry only (and today's date: the memo is kept per day)
        return check_sums_of(e, sums) + check_sources(e, schema) + check_dates(e, today) + check_placeholders(e)

    entries = corpus.entries
    for own_found, results_found in zip(own_each(memo, ("checks", today), entries, alone), near_each(
            memo, "result-checks", entries, lambda e: check_results(e, corpus, subject_kinds))):
        out += own_found
        out += results_found
    return out


def _same_ids_and_kinds(state, corpus, memo) -> bool:
    """Whether the corpus has the ids (a patched corpus shares the index) and kinds the last check saw."""
    return bool(state) and memo.changed is not None and bool(corpus.index) and state["index"] is corpus.index \
        and all(corpus.get(i) is not None and state["kinds"].get(i) == corpus[i].kind for i in memo.changed)
