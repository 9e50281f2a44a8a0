"""Where the example photos and paintings shipped with the repository live.

They sit in ``gallery/examples`` (with their sources and licenses in ``SOURCES.md``) so the
demo, the app's painting gallery and the style tools' defaults all use the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "gallery" / "examples"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})


def images_in(folder: Path) -> list[Path]:
    """The image files directly in ``folder``, sorted so a seed picks the same one anywhere.

    An absent folder has none (a wheel installed without the gallery, say).
    """
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def example_images(kind: Literal["content", "style"]) -> list[Path]:
    """The bundled photos (``content``) or paintings (``style``), sorted; empty if absent."""
    return images_in(EXAMPLES_DIR / kind)
