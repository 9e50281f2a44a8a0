"""The quality benchmark's chart, drawn with Pillow (no plotting library to install).

x: VGG feature distance to the photo (left = more photo). y: Gram distance to the painting
(down = more painting). Faint dots are single outputs; each line joins the mean over the
photo × painting set of one size and preset, strength by strength (labelled); red crosses are
pastiche's default outputs. A point down and to the left of another is better on both axes.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

WIDTH, HEIGHT, MARGIN = 900, 640, 70
COLOURS = ((31, 119, 180), (44, 160, 44), (148, 103, 189), (255, 127, 14), (140, 86, 75))


def _scale(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or 0.05
    return low - pad, high + pad


def draw_chart(rows: Sequence[dict], anchors: Sequence[dict], path: Path) -> None:
    """Write the chart of ``rows`` (benchmark records) and ``anchors`` (pastiche's) to PNG."""
    points = [*rows, *anchors]
    (x0, x1), (y0, y1) = (_scale([p[k] for p in points]) for k in ("content_distance",
                                                                    "gram_distance"))

    def xy(p: dict) -> tuple[float, float]:
        x = MARGIN + (p["content_distance"] - x0) / (x1 - x0) * (WIDTH - 2 * MARGIN)
        y = HEIGHT - MARGIN - (p["gram_distance"] - y0) / (y1 - y0) * (HEIGHT - 2 * MARGIN)
        return x, y

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    _axes(draw, (x0, x1), (y0, y1))
    for p in rows:
        x, y = xy(p)
        draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=(200, 200, 200))
    groups: dict[tuple, list[dict]] = {}
    for p in rows:
        groups.setdefault((p["size"], p["preset"]), []).append(p)
    for index, ((size, preset), group) in enumerate(sorted(groups.items())):
        colour = COLOURS[index % len(COLOURS)]
        line = _means(group)
        draw.line([xy(p) for p in line], fill=colour, width=3)
        for p in line:
            x, y = xy(p)
            draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=colour)
            draw.text((x + 6, y - 12), f"{p['strength']:g}", fill=colour)
        draw.text((WIDTH - 230, 20 + 16 * index), f"{size} px, {preset}", fill=colour)
    for p in anchors:
        x, y = xy(p)
        draw.line((x - 8, y - 8, x + 8, y + 8), fill="red", width=3)
        draw.line((x - 8, y + 8, x + 8, y - 8), fill="red", width=3)
        draw.text((x + 10, y), "pastiche default", fill="red")
    image.save(path)


def _means(group: Sequence[dict]) -> list[dict]:
    by_strength: dict[float, list[dict]] = {}
    for p in group:
        by_strength.setdefault(p["strength"], []).append(p)
    return [
        {"strength": s, **{k: statistics.fmean(p[k] for p in ps)
                           for k in ("content_distance", "gram_distance")}}
        for s, ps in sorted(by_strength.items())
    ]  # fmt: skip


def _axes(draw: ImageDraw.ImageDraw, xs: tuple[float, float], ys: tuple[float, float]) -> None:
    left, right, top, bottom = MARGIN, WIDTH - MARGIN, MARGIN, HEIGHT - MARGIN
    draw.line((left, bottom, right, bottom), fill="black")
    draw.line((left, top, left, bottom), fill="black")
    for i in range(6):
        fx, fy = i / 5, i / 5
        x, y = left + fx * (right - left), bottom - fy * (bottom - top)
        draw.text((x - 12, bottom + 6), f"{xs[0] + fx * (xs[1] - xs[0]):.2f}", fill="black")
        draw.text((left - 40, y - 6), f"{ys[0] + fy * (ys[1] - ys[0]):.2f}", fill="black")
    draw.text((left, bottom + 26), "VGG distance to the photo (relu2_2, relu3_2) -> less photo",
              fill="black")
    draw.text((left, 20), "Gram distance to the painting (relu1_2 ... relu5_2): down = more art",
              fill="black")
