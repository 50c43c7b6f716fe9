"""Bar charts drawn on the server as inline SVG: no JavaScript, nothing from a CDN.

Each chart is an image for assistive technology (role="img", aria-label, <title>, <desc>);
the page puts the table of the same figures beside it. All text is escaped.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 560
LABEL_WIDTH = 200
VALUE_WIDTH = 90
ROW = 26
BAR = 16
PAD = 8
LABEL_CHARS = 30

TONES = {"info": "#1f5f99", "ok": "#1e7b34", "warn": "#a15c00", "err": "#b3261e"}


@dataclass
class Bar:
    """One bar: its label, its length, and the figure written after it."""

    label: str
    value: float
    text: str | None = None
    tone: str | None = None  # overrides the chart's colour for this bar


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _number(value: float) -> str:
    """Vietnamese style: 1.234 for thousands, 2,5 for a decimal."""
    if float(value).is_integer():
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:.1f}".replace(".", ",")


def bar_chart(chart_id: str, title: str, bars: list[Bar], *, description: str = "",
              max_value: float | None = None, tone: str = "info",
              empty_text: str = "Chưa có số liệu") -> Markup:
    """A horizontal bar chart; `max_value` fixes the scale (100 for percentages)."""
    if not any(b.value > 0 for b in bars):
        bars = []  # a chart of zeros says nothing: say there is no figure yet
    colour = TONES.get(tone, TONES["info"])
    height = PAD * 2 + max(len(bars), 1) * ROW
    scale_max = max_value if max_value is not None else max((b.value for b in bars), default=0)
    bar_area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    summary = "; ".join(f"{b.label}: {b.text if b.text is not None else _number(b.value)}"
                        for b in bars)
    aria = f"{title}. {summary}" if summary else f"{title}. {empty_text}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(aria)}" font-family="Liberation Sans, DejaVu Sans, Arial, '
        f'sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description or summary or empty_text)}</desc>",
    ]
    if not bars:
        parts.append(f'<text x="{PAD}" y="{PAD + ROW / 2 + 4}" fill="#5a6470">'
                     f"{escape(empty_text)}</text>")
    for i, bar in enumerate(bars):
        y = PAD + i * ROW
        length = 0.0 if not scale_max else max(bar.value, 0) / scale_max * bar_area
        if bar.value > 0:
            length = max(length, 2.0)  # a small figure stays visible
        figure = bar.text if bar.text is not None else _number(bar.value)
        fill = TONES.get(bar.tone or "", colour)
        parts.append(
            f'<g class="bar"><title>{escape(bar.label)}: {escape(figure)}</title>'
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR - 3}" text-anchor="end" fill="#1b1f24">'
            f"{escape(_short(bar.label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" '
            f'fill="{fill}" rx="2"/>'
            f'<text x="{LABEL_WIDTH + length + 5:.1f}" y="{y + BAR - 3}" fill="#1b1f24">'
            f"{escape(figure)}</text></g>"
        )
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="{PAD - 2}" x2="{LABEL_WIDTH}" '
                 f'y2="{height - PAD + 2}" stroke="#8a949e" stroke-width="1"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def percent(value: float | None) -> str:
    """0.8333 -> "83,3 %" (Vietnamese decimal comma); None -> "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}".replace(".", ",") + " %"
