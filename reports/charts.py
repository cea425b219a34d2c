"""Bar charts drawn on the server as inline SVG: no JavaScript, no CDN, readable without styles."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

IN_COLOUR = "#1a7f37"
OUT_COLOUR = "#cf222e"
BAR_COLOUR = "#1f6feb"
AXIS_COLOUR = "#8c959f"
# 13 units: at a tablet's width (the SVG scaled to about 0.9) a label still renders at 11 px or more.
TEXT = 'font-family="system-ui, sans-serif" font-size="13" fill="#1d232a"'


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def _svg(title: str, width: int, height: int, body: list[str]) -> SafeString:
    title = escape(title)
    return mark_safe(  # noqa: S308 - every text in body is escaped
        f'<svg class="chart" role="img" aria-label="{title}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{title}</title>{''.join(body)}</svg>"
    )


def movements_chart(days: list[dict], *, title: str | None = None) -> SafeString:
    """Grouped columns, IN and OUT per day, for the rows of the movements-by-day report."""
    title = title or gettext("Movements per day")
    width, height = 800, 280
    left, right, top, bottom = 56, 12, 28, 44
    plot_width, plot_height = width - left - right, height - top - bottom
    peak = _nice_ceiling(max([row["total_in"] for row in days] + [row["total_out"] for row in days] + [0]))
    body = [
        f'<rect class="in" x="{left}" y="6" width="10" height="10" fill="{IN_COLOUR}"/>',
        f'<text x="{left + 14}" y="15" {TEXT}>IN</text>',
        f'<rect class="out" x="{left + 44}" y="6" width="10" height="10" fill="{OUT_COLOUR}"/>',
        f'<text x="{left + 58}" y="15" {TEXT}>OUT</text>',
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot_height * (1 - fraction)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{AXIS_COLOUR}" '
            f'stroke-width="{1 if fraction == 0 else 0.5}"/>'
        )
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {TEXT}>{peak * fraction:g}</text>')
    if not days:
        return _svg(title, width, height, body)
    group = plot_width / len(days)
    bar = max(group * 0.8 / 2, 0.5)
    label_every = max(1, -(-len(days) // 15))
    for index, row in enumerate(days):
        x = left + index * group + group * 0.1
        for offset, key, colour, name in ((0, "total_in", IN_COLOUR, "IN"), (1, "total_out", OUT_COLOUR, "OUT")):
            value = row[key]
            bar_height = plot_height * value / peak
            body.append(
                f'<rect class="{name.lower()}" x="{x + offset * bar:.1f}" y="{top + plot_height - bar_height:.1f}" '
                f'width="{bar:.1f}" '
                f'height="{bar_height:.1f}" fill="{colour}"><title>{escape(row["day"])}: {name} {value}</title></rect>'
            )
        if index % label_every == 0:
            body.append(
                f'<text x="{x + bar:.1f}" y="{height - bottom + 16}" text-anchor="middle" {TEXT}>'
                f"{escape(row['day'][5:])}</text>"
            )
    return _svg(title, width, height, body)


def top_products_chart(rows: list[dict], *, title: str | None = None) -> SafeString:
    """Horizontal bars, one per product (labelled by SKU and name, so same names stay apart)."""
    title = title or gettext("Top products")
    label_width, bar_space, row_height = 250, 420, 24
    width, height = label_width + bar_space + 70, max(1, len(rows)) * row_height + 12
    peak = max([row["quantity"] for row in rows] + [1])
    body = []
    for index, row in enumerate(rows):
        y = 6 + index * row_height
        label = f"{row['sku']} {row['name']}"
        label = label if len(label) <= 34 else label[:33] + "…"
        length = max(bar_space * row["quantity"] / peak, 1)
        body.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" {TEXT}>{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row_height - 8}" '
            f'fill="{BAR_COLOUR}">'
            f"<title>{escape(row['sku'])} {escape(row['name'])}: {row['quantity']}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" {TEXT}>{row["quantity"]}</text>'
        )
    if not rows:
        body.append(f'<text x="8" y="20" {TEXT}>{escape(gettext("No movements in this range."))}</text>')
    return _svg(title, width, height, body)
