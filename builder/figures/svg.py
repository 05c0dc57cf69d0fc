"""Figures for the site as self-contained SVG (no fonts or scripts fetched), deterministic to the byte."""
from __future__ import annotations

from html import escape as _esc

from builder.memo import Reuse

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f", "#bab0ac")
CHAR_W = 6.6  # rough width of a 12px sans-serif character, for layout only


def esc(text) -> str:
    return _esc(str(text), quote=True)


def _svg(width: float, height: float, body: list, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{esc(title)}" '
            'font-family="sans-serif" font-size="12">\n'
            f"<title>{esc(title)}</title>\n"
            '<style>text{fill:currentColor} .box{fill:none;stroke:currentColor;stroke-opacity:.5} '
            '.edge{fill:none;stroke:currentColor;stroke-opacity:.4} .axis{stroke:currentColor;stroke-opacity:.6}</style>\n'
            + "\n".join(body) + "\n</svg>\n")


def tree_svg(tree, title: str, link_for=None, cache: dict | None = None) -> str:
    """Left-to-right tree: a row per leaf, parents centred on their children.

    cache (owned by the caller) keeps each leaf line's elements between builds of a session."""
    lines = Reuse(cache)
    rows = []
    body = []
    col_x = [10]

    def depth_of(node, d=0):
        return max([d] + [depth_of(c, d + 1) for c in node.children])
    depth = depth_of(tree)
    widths = [0] * (depth + 2)

    def measure(node, d):
        widths[d] = max(widths[d], len(node.label) * CHAR_W + 16)
        for c in node.children:
            measure(c, d + 1)
    measure(tree, 0)
    for d in range(1, depth + 2):
        col_x.append(col_x[-1] + widths[d - 1] + 28)
    line_h = 22

    def place(node, d):
        if node.entries or not node.children:
            y = len(rows) * line_h + 20
            rows.append(node)
            ys = [y]
        else:
            ys = [place(c, d + 1) for c in node.children]
            y = (ys[0] + ys[-1]) / 2
        x, w = col_x[d], widths[d]
        body.append(f'<rect class="box" x="{x}" y="{y - 11}" width="{w:.0f}" height="20" rx="4"/>')
        body.append(f'<text x="{x + 8}" y="{y + 4}">{esc(node.label)}</text>')
        for child_y in ([] if node.entries else ys):
            body.append(f'<path class="edge" d="M{x + w:.0f},{y} H{x + w + 14:.0f} V{child_y} H{col_x[d + 1]}"/>')
        if node.entries:
            lx = col_x[d] + w + 14
            body.append(f'<path class="edge" d="M{x + w:.0f},{y} H{lx}"/>')

            def leaf_line() -> tuple:  # (its elements, where the line ends)
                parts = []
                cursor = lx + 4
                for i, (eid, name) in enumerate(node.entries):
                    sep = ", " if i else ""
                    label = esc(sep + name)
                    if link_for:
                        parts.append(f'<a href="{esc(link_for(eid))}"><text x="{cursor:.0f}" y="{y + 4}">{label}</text></a>')
                    else:
                        parts.append(f'<text x="{cursor:.0f}" y="{y + 4}">{label}</text>')
                    cursor += len(sep + name) * CHAR_W
                return "\n".join(parts), cursor
            hit = lines.get((lx, y, node.entries), leaf_line)
            body.append(hit[0])
            widest.append(hit[1] + 10)
        return y
    widest = [0.0]  # right edge of each leaf line, to size the picture
    place(tree, 0)
    lines.keep()
    width = max(max(widest), col_x[-1] + 40)
    return _svg(width, len(rows) * line_h + 30, body, title)


def timeline_svg(timeline, title: str) -> str:
    """Stacked bars per period with a legend; counts as integers on the y axis."""
    left, top, bar_w, gap, plot_h = 40, 20, 22, 14, 180
    n = len(timeline.periods)
    totals = [sum(counts[i] for _, counts in timeline.series) for i in range(n)]
    peak = max(totals + [1])
    width = left + n * (bar_w + gap) + 220
    height = top + plot_h + 70
    body = [f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + n * (bar_w + gap)}" y2="{top + plot_h}"/>',
            f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>']
    for tick in range(peak + 1):
        y = top + plot_h - tick * plot_h / peak
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{tick}</text>')
    for i, period in enumerate(timeline.periods):
        x = left + gap / 2 + i * (bar_w + gap)
        base = top + plot_h
        for s, (label, counts) in enumerate(timeline.series):
            if counts[i]:
                h = counts[i] * plot_h / peak
                base -= h
                body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w}" height="{h:.1f}" '
                            f'fill="{PALETTE[s % len(PALETTE)]}"><title>{esc(label)}: {counts[i]} in {esc(period)}</title></rect>')
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="end" font-size="10" '
                    f'transform="rotate(-45 {x + bar_w / 2:.1f} {top + plot_h + 14})">{esc(period)}</text>')
    lx = left + n * (bar_w + gap) + 20
    for s, (label, _) in enumerate(timeline.series):
        y = top + s * 18
        body.append(f'<rect x="{lx}" y="{y}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        body.append(f'<text x="{lx + 18}" y="{y + 10}">{esc(label)}</text>')
    return _svg(width, height, body, title)
