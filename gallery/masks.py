"""The gallery's region masks, drawn from hand-placed shapes: one command remakes them.

    python gallery/masks.py                 # writes gallery/examples/masks/*.png
    python gallery/masks.py --out /tmp/m    # elsewhere (the tests compare the two)

Each mask is an 8-bit grey PNG at its photo's size: white where its painting goes, black where
the photo is kept (or, with two masks, where the other painting goes). The shapes were placed by
eye on the bundled photos; a Gaussian blur feathers their edges, slightly for an outline that is
sharp in the photo (a roofline), widely for a portrait, where a hard edge would draw a seam
across the skin. Made for this repository by this script, from no other image.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageChops, ImageDraw, ImageFilter

GALLERY_DIR = Path(__file__).resolve().parent
CONTENT_DIR = GALLERY_DIR / "examples" / "content"
MASKS_DIR = GALLERY_DIR / "examples" / "masks"

Point = tuple[int, int]
#: An ellipse by its bounding box (left, top, right, bottom), in the photo's pixels.
Box = tuple[int, int, int, int]

#: leuven.jpg's sky: along the roofs and chimneys from the top left, around the gable in the
#: middle, to the tree on the right.
LEUVEN_SKY: tuple[Point, ...] = (
    (48, 0), (48, 22), (100, 25), (103, 18), (128, 20), (127, 48), (166, 104), (202, 154),
    (220, 155), (222, 200), (220, 300), (252, 300), (254, 285), (270, 272), (297, 242),
    (342, 192), (362, 163), (385, 190), (388, 172), (405, 172), (407, 225), (415, 237),
    (491, 237), (499, 95), (510, 85), (512, 65), (530, 62), (533, 82), (690, 82), (692, 72),
    (725, 70), (727, 100), (740, 100), (745, 40), (751, 30), (751, 0),
)  # fmt: skip
#: coffee.png's cup, saucer and spoon handle: what the sheet keeps as the photo.
COFFEE_SAUCER: Box = (72, 70, 484, 390)
COFFEE_CUP: Box = (170, 12, 412, 205)
COFFEE_SPOON: tuple[Point, ...] = ((392, 110), (402, 66), (425, 64), (420, 95), (408, 130))
#: astronaut.png's face and hair.
ASTRONAUT_FACE: Box = (150, 8, 306, 190)


@dataclass(frozen=True)
class MaskSpec:
    """How one mask is drawn.

    Attributes:
        photo: The photo's file in ``examples/content`` (the mask takes its size).
        polygons: Polygons filled white.
        ellipses: Ellipses filled white, by bounding box.
        feather: Radius of the Gaussian blur on the edges, in the photo's pixels.
        painted: ``inside``: the painting goes in the shapes; ``outside``: around them.
    """

    photo: str
    polygons: tuple[tuple[Point, ...], ...] = ()
    ellipses: tuple[Box, ...] = ()
    feather: float = 2.0
    painted: Literal["inside", "outside"] = "inside"


#: Every mask of the gallery, by file stem.
MASKS: dict[str, MaskSpec] = {
    # The sky and, exactly its complement, the houses and the street: two paintings.
    "leuven_sky": MaskSpec("leuven.jpg", (LEUVEN_SKY,), feather=2.0),
    "leuven_ground": MaskSpec("leuven.jpg", (LEUVEN_SKY,), feather=2.0, painted="outside"),
    # All but the cup, saucer and spoon, which keep the photo.
    "coffee_background": MaskSpec("coffee.png", (COFFEE_SPOON,), (COFFEE_SAUCER, COFFEE_CUP),
                                  feather=3.0, painted="outside"),
    # All but the face and hair, widely feathered: the face fades into the painting.
    "astronaut_background": MaskSpec("astronaut.png", (), (ASTRONAUT_FACE,), feather=18.0,
                                     painted="outside"),
}  # fmt: skip


def draw(spec: MaskSpec) -> Image.Image:
    """The mask of ``spec``: an ``L`` image at its photo's size, 255 where the painting goes.

    The shapes are drawn and blurred first and inverted after, so a mask and its ``outside``
    twin add up to 255 everywhere (a sky and a ground that cover the image exactly once).
    """
    with Image.open(CONTENT_DIR / spec.photo) as photo:
        size = photo.size
    shapes = Image.new("L", size, 0)
    pen = ImageDraw.Draw(shapes)
    for polygon in spec.polygons:
        pen.polygon(polygon, fill=255)
    for box in spec.ellipses:
        pen.ellipse(box, fill=255)
    shapes = shapes.filter(ImageFilter.GaussianBlur(spec.feather))
    return ImageChops.invert(shapes) if spec.painted == "outside" else shapes


def write_masks(out: Path, names: Sequence[str] = tuple(MASKS)) -> list[Path]:
    """Draw ``names`` into ``out`` as PNG; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = out / f"{name}.png"
        draw(MASKS[name]).save(path, optimize=True)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=MASKS_DIR, help="folder for the PNGs")
    for path in write_masks(parser.parse_args(argv).out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
