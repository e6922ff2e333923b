"""Turns counts and windows into static SVG charts, drawn at build time: no script, no library, no request."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from gongkai.cadence import add_months
from gongkai.model import Config, Item

INK, MUTED, ACCENT, GRID = "#1f2328", "#57606a", "#a4161a", "#d8dee4"
SHADES = ("#a4161a", "#d9822b", "#2b6cb0", "#2f855a", "#6b46c1", "#718096", "#b7791f", "#285e61")


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart">'
    return "\n".join([head, f"<title>{escape(title)}</title>", *body, "</svg>"])


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start", fill: str = INK) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'


def department_bars(items: tuple[Item, ...], config: Config, day: date, months: int = 6) -> str:
    """Items per department per month (by the month an item starts), the last `months` months."""
    periods = [add_months(day.replace(day=1), -n) for n in reversed(range(months))]
    names = [d.name for d in config.departments] or sorted({i.department for i in items if i.department})
    counts = {(n, p): 0 for n in names for p in periods}
    for item in items:
        key = (item.department, item.valid_from.replace(day=1))
        if key in counts:
            counts[key] += 1
    top = max([*counts.values(), 1])
    width, height, left, bottom, top_pad = 760, 310, 40, 260, 56
    group = (width - left - 10) / len(periods)
    bar = max(2.0, (group - 12) / max(len(names), 1))
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="{MUTED}"/>']
    for step in range(top + 1):
        y = bottom - (bottom - top_pad) * step / top
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.5"/>')
        body.append(_text(left - 6, y + 4, str(step), 11, "end", MUTED))
    for p_index, period in enumerate(periods):
        x0 = left + group * p_index + 6
        for n_index, name in enumerate(names):
            value = counts[(name, period)]
            h = (bottom - top_pad) * value / top
            x = x0 + bar * n_index
            fill = SHADES[n_index % len(SHADES)]
            body.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" fill="{fill}"><title>{escape(name)} {period:%Y-%m}：{value} 项</title></rect>'
            )
        body.append(_text(x0 + (group - 12) / 2, bottom + 16, f"{period:%Y-%m}", 11, "middle", MUTED))
    for n_index, name in enumerate(names):
        x = left + (n_index % 4) * 180
        y = 14 + (n_index // 4) * 14
        body.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{SHADES[n_index % len(SHADES)]}"/>')
        body.append(_text(x + 14, y, name, 11))
    return _svg(width, max(height, bottom + 30), "各部门每月公开事项数", body)


def window_timeline(items: tuple[Item, ...], config: Config, day: date, before: int = 120, after: int = 45) -> str:
    """A bar per item's window, a row per category, from `before` days ago to `after` days ahead."""
    start, end = day - timedelta(days=before), day + timedelta(days=after)
    rows = [e for e in config.catalog]
    left, width, row_height, top = 190, 760, 22, 30
    span = (end - start).days
    scale = (width - left - 10) / span
    height = top + row_height * len(rows) + 10
    body = []
    for month in range(0, 8):
        tick = add_months(start.replace(day=1), month + 1)
        if tick > end:
            break
        x = left + (tick - start).days * scale
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 10}" stroke="{GRID}"/>')
        body.append(_text(x, top - 10, f"{tick:%Y-%m}", 11, "middle", MUTED))
    for index, entry in enumerate(rows):
        y = top + row_height * index
        body.append(_text(left - 8, y + 15, entry.name, 12, "end"))
        for item in (i for i in items if i.category == entry.key):
            first, last = max(item.valid_from, start), min(item.valid_until or end, end)
            if first > last:
                continue
            x = left + (first - start).days * scale
            w = max(2.0, ((last - first).days + 1) * scale)
            window = f"{item.valid_from} 至 {item.valid_until or '长期'}"
            body.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_height - 8}" rx="2" fill="{ACCENT}" fill-opacity="0.75"><title>{escape(item.title)}（{window}）</title></rect>'
            )
    x_today = left + (day - start).days * scale
    body.append(
        f'<line x1="{x_today:.1f}" y1="{top - 4}" x2="{x_today:.1f}" y2="{height - 10}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    body.append(_text(x_today + 4, height - 12, "今天", 11))
    return _svg(width, height, "各类别公开期限时间线", body)


def stacked_bars(title: str, rows: list[tuple[str, list[tuple[str, int]]]]) -> str:
    """One horizontal bar per row, its parts stacked in series order (e.g. 党内 then 向社会), with a legend."""
    series = list(dict.fromkeys(name for _, parts in rows for name, _ in parts))
    top = max([sum(v for _, v in parts) for _, parts in rows] + [1])
    left, width, row_height, head = 190, 760, 22, 30
    scale = (width - left - 60) / top
    body = []
    for index, name in enumerate(series):
        x = left + index * 120
        body.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{SHADES[index % len(SHADES)]}"/>')
        body.append(_text(x + 14, 15, name, 11))
    for index, (label, parts) in enumerate(rows):
        y = head + row_height * index
        body.append(_text(left - 8, y + 15, label, 12, "end"))
        x = float(left)
        for name, value in parts:
            w = value * scale
            if value:
                fill = SHADES[series.index(name) % len(SHADES)]
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_height - 8}" fill="{fill}"><title>{escape(label)} {escape(name)}：{value}</title></rect>'
                )
            x += w
        body.append(_text(x + 6, y + 15, str(sum(v for _, v in parts)), 11, "start", MUTED))
    return _svg(width, head + row_height * len(rows) + 10, title, body)
