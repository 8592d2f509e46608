"""Charts drawn on the server as SVG (bar, stacked bar, line, pie): no script, no style
attribute, so they pass the strict Content-Security-Policy and print as they are."""

from __future__ import annotations

import math
from html import escape

from sportello.reports.result import Table, series

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 360, 48, 80, 16


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _legend(names: list[str], top: float) -> list[str]:
    parts = []
    for i, name in enumerate(names[:20]):
        x, y = LEFT + (i % 4) * 170, top + (i // 4) * 16
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{color(i)}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(name[:24])}</text>')
    return parts


def svg(table: Table, kind: str, title: str) -> str:
    """The chart of a chartable table (rows are series, columns categories)."""
    categories, data = series(table)
    names = [name for name, _values in data]
    legend_rows = math.ceil(min(len(names), 20) / 4)
    height = HEIGHT + legend_rows * 16
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' role="img" aria-label="{escape(title)}" class="report-chart">',
        f"<title>{escape(title)}</title>",
    ]
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT - 16
    if kind == "pie":
        totals = [sum(values) for _name, values in data]
        whole = sum(totals) or 1.0
        cx, cy, r = WIDTH / 2, TOP + plot_h / 2 + 20, plot_h / 2
        angle = -math.pi / 2
        for i, part in enumerate(totals):
            if not part:
                continue
            sweep = 2 * math.pi * part / whole
            if sweep >= 2 * math.pi - 1e-9:
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color(i)}"/>')
            else:
                x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
                x2, y2 = cx + r * math.cos(angle + sweep), cy + r * math.sin(angle + sweep)
                large = 1 if sweep > math.pi else 0
                parts.append(
                    f'<path d="M{cx:.1f},{cy:.1f} L{x1:.1f},{y1:.1f} '
                    f'A{r:.1f},{r:.1f} 0 {large} 1 {x2:.1f},{y2:.1f} Z" fill="{color(i)}">'
                    f"<title>{escape(names[i])}: {part:g}</title></path>"
                )
            angle += sweep
        parts += _legend(names, HEIGHT)
        parts.append("</svg>")
        return "".join(parts)
    stacked = kind == "stacked"
    count = max(len(categories), 1)
    if stacked:
        peak = max((sum(v[c] for _n, v in data) for c in range(len(categories))), default=0)
    else:
        peak = max((max(v, default=0) for _n, v in data), default=0)
    peak = peak or 1.0
    base_y = TOP + plot_h

    def y_of(value: float) -> float:
        return base_y - plot_h * value / peak

    parts.append(
        f'<line x1="{LEFT}" y1="{base_y}" x2="{LEFT + plot_w}" y2="{base_y}" stroke="#555"/>'
    )
    for step in range(5):
        value = peak * step / 4
        y = y_of(value)
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{value:.4g}</text>"
        )
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
    slot = plot_w / count
    for c, label in enumerate(categories):
        x = LEFT + slot * c + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{base_y + 12}" font-size="10" text-anchor="end"'
            f' transform="rotate(-40 {x:.1f} {base_y + 12})">{escape(label[:20])}</text>'
        )
    if kind == "line":
        for i, (name, values) in enumerate(data):
            points = " ".join(
                f"{LEFT + slot * c + slot / 2:.1f},{y_of(v):.1f}" for c, v in enumerate(values)
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color(i)}" stroke-width="2">'
                f"<title>{escape(name)}</title></polyline>"
            )
    else:
        bars = 1 if stacked else max(len(data), 1)
        width = slot * 0.8 / bars
        for c in range(len(categories)):
            level = 0.0
            for i, (name, values) in enumerate(data):
                value = values[c]
                if stacked:
                    top, bottom = y_of(level + value), y_of(level)
                    x = LEFT + slot * c + slot * 0.1
                    level += value
                else:
                    top, bottom = y_of(value), base_y
                    x = LEFT + slot * c + slot * 0.1 + width * i
                parts.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}"'
                    f' height="{max(bottom - top, 0):.1f}" fill="{color(i)}">'
                    f"<title>{escape(name)}, {escape(categories[c])}: {value:g}</title></rect>"
                )
    parts += _legend(names, HEIGHT)
    parts.append("</svg>")
    return "".join(parts)
