"""Which file formats a batch reads, and which one each output is written in.

Inputs are recognised by suffix (cheap for millions of files); the content is checked when
the file is opened, so a mislabelled file fails with a reason instead of being skipped.
Outputs are 8-bit RGB, so an output keeps its input's format only when that format can
hold 8-bit RGB (GIF, a palette format, cannot); otherwise it becomes PNG.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from styletools.errors import ConfigError

#: Formats that hold 8-bit RGB, with the suffix an output gets when it changes format.
RGB_FORMATS: dict[str, str] = {
    "JPEG": ".jpg",
    "PNG": ".png",
    "WEBP": ".webp",
    "TIFF": ".tif",
    "BMP": ".bmp",
    "PPM": ".ppm",
    "JPEG2000": ".jp2",
}
#: Formats whose encoder takes ``quality``; ``--quality`` is ignored for the others.
LOSSY_FORMATS = frozenset({"JPEG", "WEBP", "JPEG2000"})
#: What an output becomes when its input's format cannot hold the result.
FALLBACK_FORMAT = "PNG"


def readable_format(path: Path) -> str | None:
    """The Pillow format a file's suffix names, if Pillow can read it; else ``None``."""
    fmt = Image.registered_extensions().get(path.suffix.lower())
    return fmt if fmt in Image.OPEN else None


def parse_format(name: str | None) -> str | None:
    """Turn ``--format`` text (``jpg``, ``JPEG``, ``png``...) into a Pillow format name.

    Returns:
        The format, or ``None`` for "same as the input" (``None``, ``""`` or ``same``).

    Raises:
        ConfigError: The name is not one of the formats that hold 8-bit RGB.
    """
    if name is None or name.strip().lower() in ("", "same"):
        return None
    text = name.strip().lower()
    fmt = Image.registered_extensions().get("." + text, text.upper())
    if fmt not in RGB_FORMATS:
        allowed = ", ".join(suffix[1:] for suffix in RGB_FORMATS.values())
        raise ConfigError(f"--format {name!r}: expected same or one of {allowed}")
    return fmt


def output_format_for(source: Path, wanted: str | None) -> tuple[str, str]:
    """The format and suffix of an output made from ``source``.

    Args:
        source: The input file.
        wanted: The ``--format`` choice, or ``None`` for "same as the input".

    Returns:
        ``(format, suffix)``; the input's own suffix is kept when its format is kept.
    """
    if wanted is not None:
        return wanted, RGB_FORMATS[wanted]
    fmt = readable_format(source)
    if fmt in RGB_FORMATS:
        return fmt, source.suffix
    return FALLBACK_FORMAT, RGB_FORMATS[FALLBACK_FORMAT]
