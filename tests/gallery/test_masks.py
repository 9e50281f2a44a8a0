"""The gallery's masks: ``gallery/masks.py`` remakes the committed PNGs, at their photos' sizes.

The masks are our own drawing, so the script that draws them is their source; these tests
hold the committed files to it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
MASKS = ROOT / "gallery/examples/masks"
CONTENT = ROOT / "gallery/examples/content"
#: Each committed mask and the photo it was drawn on.
PHOTOS = {
    "leuven_sky.png": "leuven.jpg",
    "leuven_ground.png": "leuven.jpg",
    "coffee_background.png": "coffee.png",
    "astronaut_background.png": "astronaut.png",
}


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.mode == "L", path
        return np.asarray(image, dtype=np.int16)


@pytest.fixture(scope="module")
def remade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The masks drawn afresh by the script, as a user would run it."""
    out = tmp_path_factory.mktemp("masks")
    subprocess.run([sys.executable, "gallery/masks.py", "--out", str(out)], cwd=ROOT,
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    return out


def test_every_committed_mask_is_listed() -> None:
    assert sorted(path.name for path in MASKS.glob("*.png")) == sorted(PHOTOS)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_the_script_remakes_each_mask(remade: Path, name: str) -> None:
    # One grey level of slack: another Pillow may round its Gaussian blur differently.
    assert np.abs(pixels(remade / name) - pixels(MASKS / name)).max() <= 1


@pytest.mark.parametrize(("name", "photo"), sorted(PHOTOS.items()))
def test_each_mask_has_its_photos_size(name: str, photo: str) -> None:
    with Image.open(MASKS / name) as mask, Image.open(CONTENT / photo) as image:
        assert mask.size == image.size


def test_sky_and_ground_cover_the_image_exactly_once() -> None:
    total = pixels(MASKS / "leuven_sky.png") + pixels(MASKS / "leuven_ground.png")
    assert (total == 255).all()


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_each_mask_paints_somewhere_and_keeps_or_yields_somewhere(name: str) -> None:
    values = pixels(MASKS / name)
    assert values.max() == 255 and values.min() == 0
