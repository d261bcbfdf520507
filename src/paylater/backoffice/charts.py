"""Server-rendered SVG bar charts for the statistics page (no script, no external asset)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 28, 36


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    axis: Callable[[int], str] = str,
    colour: str = "#1f3a5f",
) -> Markup:
    """Bars for ``values`` (integers, e.g. minor units or counts); ``axis`` formats the scale."""
    top = max([*values, 1])
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(values), 1)
    bar = max(step * 0.7, 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-label="{escape(title)}">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_height}" stroke="#999"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        if fraction == 0.5 and top % 2:
            continue  # the middle tick would not be a whole number
        y = TOP + plot_height - fraction * plot_height
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{escape(axis(int(top * fraction)))}</text>"
        )
    every = max(1, len(labels) // 8)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_height * value / top
        x = LEFT + index * step + (step - bar) / 2
        y = TOP + plot_height - height
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(axis(value))}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
