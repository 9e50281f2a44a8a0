"""Contact sheets for the gallery: tiles with a label underneath, composed with Pillow.

A sheet is laid out at its final size (long side at most :data:`MAX_SIDE`) and the labels are
drawn afterwards, so they stay readable instead of shrinking with a downscaled sheet. Every
tile keeps the hash of its own pixels: the sheet's JPEG is lossy and some labels carry wall
times, so tiles, not sheets, are what a re-run must reproduce bit for bit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw, ImageFont

#: Longest side of any gallery file, in pixels.
MAX_SIDE = 1024
PAD = 8
FONT_SIZE = 15
BACKGROUND = (255, 255, 255)
INK = (25, 25, 25)

Rows = Sequence[Sequence["Tile | None"]]


@dataclass(frozen=True)
class Tile:
    """One picture on a sheet, with what made it.

    Attributes:
        image: The tile's pixels (RGB), before any resizing for the sheet.
        label: Text drawn under the tile.
        seconds: Wall time spent making it (None for inputs and instant tools).
        settings: Plain JSON data that, with the seed, decides the pixels.
    """

    image: Image.Image = field(repr=False)
    label: str
    seconds: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The tile as JSON data; ``sha256`` hashes its raw (pre-JPEG) pixels."""
        return {
            "label": self.label,
            "sha256": pixel_sha256(self.image),
            "seconds": None if self.seconds is None else round(self.seconds, 2),
            "settings": json.loads(json.dumps(self.settings)),
        }


def pixel_sha256(image: Image.Image) -> str:
    """SHA-256 of the 8-bit RGB pixels, prefixed by the size so a reshaped image differs."""
    rgb = image.convert("RGB")
    digest = hashlib.sha256(f"{rgb.width}x{rgb.height}:".encode())
    digest.update(rgb.tobytes())
    return digest.hexdigest()


def chunk(tiles: Sequence[Tile], columns: int) -> list[list[Tile]]:
    """Split a flat list of tiles into rows of ``columns``."""
    return [list(tiles[i : i + columns]) for i in range(0, len(tiles), columns)]


def compose(rows: Rows, *, max_side: int = MAX_SIDE) -> Image.Image:
    """Lay tiles out in rows (``None`` leaves a cell blank), each with its label underneath.

    Args:
        rows: Rows of tiles; rows may have different lengths.
        max_side: Longest side of the sheet in pixels.

    Returns:
        An RGB sheet whose long side is at most ``max_side``.
    """
    font = ImageFont.load_default(size=FONT_SIZE)
    cell = _cell_size(rows, max_side)
    line_height = font.getbbox("Ag")[3] + 2
    labels = [[_wrap(t.label, font, cell[0]) if t else [] for t in row] for row in rows]
    heights = [cell[1] + PAD + line_height * max(map(len, row), default=0) for row in labels]
    columns = max(map(len, rows))
    sheet = Image.new("RGB", (PAD + columns * (cell[0] + PAD), PAD + sum(heights)), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    top = PAD
    for row, row_labels, height in zip(rows, labels, heights, strict=True):
        for column, (tile, lines) in enumerate(zip(row, row_labels, strict=True)):
            if tile is not None:
                left = PAD + column * (cell[0] + PAD)
                _paste_fitted(sheet, tile.image, (left, top), cell)
                for i, line in enumerate(lines):
                    draw.text((left, top + cell[1] + 2 + i * line_height), line, INK, font)
        top += height
    return fit_long_side(sheet, max_side)


def fit_long_side(image: Image.Image, max_side: int = MAX_SIDE) -> Image.Image:
    """Shrink (never enlarge) so the long side is at most ``max_side`` (Lanczos)."""
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def crop_center(image: Image.Image, side: int) -> Image.Image:
    """The central ``side`` x ``side`` pixels (or the whole side where the image is smaller)."""
    width, height = min(side, image.width), min(side, image.height)
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return image.crop((left, top, left + width, top + height))


def _cell_size(rows: Rows, max_side: int) -> tuple[int, int]:
    """One cell size for the whole sheet: the largest tile, shrunk until the sheet fits.

    Labels are assumed one line here; a sheet that ends up taller is shrunk at the end.
    """
    tiles = [t for row in rows for t in row if t is not None]
    width, height = max(t.image.width for t in tiles), max(t.image.height for t in tiles)
    columns = max(map(len, rows))
    label = FONT_SIZE + 2 + PAD
    scale = min(
        1.0,
        (max_side - PAD * (columns + 1)) / (columns * width),
        (max_side - PAD - len(rows) * (label + PAD)) / (len(rows) * height),
    )
    return max(1, int(width * scale)), max(1, int(height * scale))


def _paste_fitted(
    sheet: Image.Image, image: Image.Image, corner: tuple[int, int], cell: tuple[int, int]
) -> None:
    """Paste ``image`` shrunk to fit ``cell`` (aspect kept), centred in the cell."""
    fitted = image.convert("RGB")
    if fitted.width > cell[0] or fitted.height > cell[1]:
        fitted = fitted.copy()
        fitted.thumbnail(cell, Image.Resampling.LANCZOS)
    left = corner[0] + (cell[0] - fitted.width) // 2
    top = corner[1] + (cell[1] - fitted.height) // 2
    sheet.paste(fitted, (left, top))


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word longer than a line gets its own line."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines
