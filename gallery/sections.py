"""The gallery's sections: each makes one or more pictures from the bundled examples.

Every section is a function ``(Context) -> list[Picture]``; ``make_gallery.py`` keeps the
table of them. Sizes and step counts come from a :class:`Profile`, so ``--smoke`` runs the very
same code at tiny sizes. Every random choice uses :data:`SEED`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import torch
from PIL import Image, ImageOps
from sheets import Rows, Tile, chunk, compose, crop_center

from styletools.config import STRENGTH, TransferConfig, preset
from styletools.examples import EXAMPLES_DIR, example_images
from styletools.fast.model_file import describe as describe_model
from styletools.fast.model_file import load_model
from styletools.images import to_pil, to_tensor
from styletools.loading import load_image_tensor, load_inputs
from styletools.masks import open_mask
from styletools.methods import Networks, run_transfer
from styletools.tools import ToolRegistry, default_registry

SEED = 0
MASKS_DIR = EXAMPLES_DIR / "masks"
#: Width of the grey frame around a mask tile, in the tile's pixels.
MASK_FRAME = 3
PHOTOS = ("leuven", "astronaut", "chelsea", "rocket")
PAINTINGS = ("starry_night", "graffiti", "van_gogh_bedroom", "harlequin_mosaic")
#: Photos the bundled fast-mode model never saw in training (styletools/fast/models/README.md).
HELD_OUT = ("astronaut", "coffee")

#: The eight augmentations of one photo: (tool, parameter values); parameters are then drawn.
AUGMENTATIONS: tuple[tuple[str, Mapping[str, Any]], ...] = (
    ("flip", {"p": 1.0}),
    ("crop", {"scale": "0.3-0.6"}),
    ("rotate", {"degrees": "-30-30"}),
    ("shear", {"x": "-20-20", "y": "-10-10"}),
    ("elastic", {}),
    ("color-shift", {"sigma": 0.15}),
    ("pca-color", {"sigma": 0.5}),
    ("flip", {"axis": "vertical", "p": 1.0}),
)
#: The colour modes of the regions sheet, with their labels.
COLOR_MODES: dict[str, str] = {
    "painting": "colour: painting (plain run)",
    "paste": "colour: paste (photo's colours pasted)",
    "luminance": "colour: luminance (luminance-only transfer)",
}
#: The edge filters of the edge sheet, with the settings shown in their labels.
EDGE_FILTERS: dict[str, Mapping[str, Any]] = {
    "vertical-edges": {},
    "horizontal-edges": {},
    "sobel": {"direction": "magnitude"},
    "scharr": {"direction": "magnitude"},
    "laplacian": {},
}


@dataclass(frozen=True)
class Profile:
    """Sizes and counts of one kind of run (``full`` for the gallery, ``smoke`` for tests).

    Attributes:
        name: ``full`` or ``smoke``.
        size: Long side of the grid, presets and regions tiles.
        sweep_size: Long side of the preserve-colour, blend and strength tiles.
        hires_size: Long side of the coarse-to-fine result.
        crop: Side of the full-resolution crop of that result.
        tool_size: Long side of the photo for the edge and augmentation sheets.
        photos: Photos in the grid.
        paintings: Paintings in the grid.
        strengths: Strengths of the strength sweep (0 = the photo, 1 = all painting).
        threads: torch CPU threads (None: torch's default).
        overrides: Config fields forced on every transfer (smoke: one scale, two steps).
    """

    name: str
    size: int
    sweep_size: int
    hires_size: int
    crop: int
    tool_size: int
    photos: int
    paintings: int
    strengths: tuple[float, ...]
    threads: int | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)


PROFILES: dict[str, Profile] = {
    # Sized so the whole gallery remakes in about an hour on the 2-core CPU of CI: 16 grid
    # tiles at 512 px alone took that long.
    "full": Profile(
        "full", 256, 384, 768, 384, 512, 4, 4, (0.0, 0.1, 0.3, STRENGTH.default, 0.7, 1.0)
    ),
    # One thread: tiny tensors gain nothing from a second one, and on a loaded machine the
    # threads' spin-waiting costs several times the work.
    "smoke": Profile(
        "smoke", 32, 32, 64, 32, 64, 2, 2, (0.1, 1.0), 1, {"scales": 1, "steps": (2,)}
    ),
}


@dataclass(frozen=True)
class Picture:
    """One gallery file: its name, its pixels and the tiles it shows."""

    file: str
    image: Image.Image = field(repr=False)
    tiles: tuple[Tile, ...]


def sheet(file: str, rows: Rows) -> Picture:
    """A picture composed from rows of tiles."""
    tiles = tuple(tile for row in rows for tile in row if tile is not None)
    return Picture(file, compose(rows), tiles)


class Context:
    """What every section needs: the profile, the device, one backbone, one tool registry.

    The backbone is built on first use, so sections without a transfer never load VGG19.
    """

    def __init__(self, profile: Profile, device: str) -> None:
        self.profile, self.device = profile, device
        self.registry: ToolRegistry = default_registry(plugins=False)

    @cached_property
    def networks(self) -> Networks:
        return Networks(device=self.device)

    def config(self, name: str, size: int, **changes: Any) -> TransferConfig:
        """Preset ``name`` at ``size`` px with the recorded seed and the profile's overrides."""
        base = preset(name).replace(size=size, seed=SEED, device=self.device, **changes)
        return base.replace(**self.profile.overrides)


def example(kind: Literal["content", "style"], stem: str) -> Path:
    """The bundled example image ``kind/stem.*``."""
    paths = {path.stem: path for path in example_images(kind)}
    return paths[stem]


def _relative(path: Path) -> str:
    return path.relative_to(EXAMPLES_DIR).as_posix()


def source(path: Path, size: int) -> Tile:
    """An input photo or painting shown as a tile, at ``size`` px on its long side."""
    image = to_pil(load_image_tensor(path, size))
    return Tile(image, path.stem.replace("_", " "))


def stylised(
    photo: Path, paintings: Sequence[Path], config: TransferConfig, ctx: Context,
    masks: Sequence[Path] = (),
) -> Tile:
    """Stylise ``photo`` with ``paintings`` (each in its mask's region when ``masks`` gives
    one per painting); the tile's label is filled in by the caller."""
    content, styles = load_inputs(photo, paintings, config)
    regions = [open_mask(path, content.shape[-2:])[0] for path in masks] or None
    if config.method == "arbitrary":
        ctx.networks.one_pass()  # loaded once, not timed: the tile's time is one pass
    start = time.perf_counter()
    result = run_transfer(content, styles, config, networks=ctx.networks, masks=regions)
    seconds = time.perf_counter() - start
    settings = {
        "content": _relative(photo),
        "styles": [_relative(path) for path in paintings],
        **({"masks": [_relative(path) for path in masks]} if masks else {}),
        **dataclasses.asdict(config),
    }
    return Tile(to_pil(result.image), "", seconds, settings)


def mask_tile(path: Path, size: int, label: str) -> Tile:
    """A mask shown as its own tile (white: the painting; black: the photo kept), framed in
    grey so its white parts do not melt into the sheet's white.

    The tile records no settings: the masked result beside it names its masks, and settings
    here would leave the sheet no settings shared by all its tiles in the README.
    """
    with Image.open(path) as mask:
        shown = mask.convert("RGB")
    shown.thumbnail((size - 2 * MASK_FRAME, size - 2 * MASK_FRAME), Image.Resampling.LANCZOS)
    framed = ImageOps.expand(shown, border=MASK_FRAME, fill=(128, 128, 128))
    return Tile(framed, label)


def labelled(tile: Tile, label: str) -> Tile:
    """The same tile under a new label."""
    return dataclasses.replace(tile, label=label)


def tool_tile(image: Image.Image, name: str, values: Mapping[str, Any], ctx: Context) -> Tile:
    """Apply tool ``name`` with parameters drawn from ``SEED``; label it with what was drawn."""
    tool = ctx.registry.create(name, values)
    batch = to_tensor(image)
    start = time.perf_counter()
    drawn = tool.make_params(batch, generator=torch.Generator().manual_seed(SEED))
    out = to_pil(tool.apply(batch, drawn))
    seconds = time.perf_counter() - start
    shown = {**values, **drawn[0]}
    label = " ".join([name, *(f"{key}={_short(value)}" for key, value in shown.items())])
    return Tile(out, label, seconds, {"tool": name, **tool.config(), "seed": SEED, **drawn[0]})


def _short(value: Any) -> str:
    """A compact rendering of a drawn value for a label (floats to 2 decimals)."""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_short(item) for item in value) + "]"
    return str(value)


# --- sections ----------------------------------------------------------------------------


def _grid(ctx: Context, config: TransferConfig, label: str) -> Rows:
    """Photos (rows) x paintings (columns) with ``config``; each tile labelled by ``label``."""
    profile = ctx.profile
    photos = [example("content", stem) for stem in PHOTOS[: profile.photos]]
    paintings = [example("style", stem) for stem in PAINTINGS[: profile.paintings]]
    rows: list[list[Tile | None]] = [[None, *(source(p, profile.size) for p in paintings)]]
    for photo in photos:
        row: list[Tile | None] = [source(photo, profile.size)]
        for painting in paintings:
            tile = stylised(photo, [painting], config, ctx)
            row.append(labelled(tile, label.format(photo=photo.stem, painting=painting.stem,
                                                   ms=tile.seconds * 1000)))
        rows.append(row)
    return rows


def grid(ctx: Context) -> list[Picture]:
    """Photos (rows) x paintings (columns), ``fast`` preset."""
    config = ctx.config("fast", ctx.profile.size)
    return [sheet("grid.jpg", _grid(ctx, config, "{photo} x {painting}"))]


def grid_one_pass(ctx: Context) -> list[Picture]:
    """The same grid in one pass of the arbitrary-style network, each tile with its time."""
    config = ctx.config("fast", ctx.profile.size, method="arbitrary")
    return [sheet("grid_one_pass.jpg", _grid(ctx, config, "{photo} x {painting}: {ms:.0f} ms"))]


def style_augment(ctx: Context) -> list[Picture]:
    """Style augmentation: random-style (its defaults: a Gaussian style embedding per image,
    one pass) on four photos, four draws each, from one seeded generator."""
    tool = ctx.registry.create("random-style", {})
    recorded = {"tool": tool.name, **tool.config(), "folder": _relative(tool.params.folder),
                "seed": SEED}
    generator = torch.Generator().manual_seed(SEED)
    rows: list[list[Tile | None]] = []
    for stem in PHOTOS[: ctx.profile.photos]:
        photo = to_tensor(source(example("content", stem), ctx.profile.size).image)
        batch = photo.expand(4, -1, -1, -1)
        drawn = tool.make_params(batch, generator=generator)
        start = time.perf_counter()
        out = tool.apply(batch, drawn)
        seconds = (time.perf_counter() - start) / len(drawn)
        rows.append([
            Tile(to_pil(out[i : i + 1]), f"{stem}, draw {i + 1}", seconds,
                 {**recorded, "photo": stem, "embedding": drawn[i]["embedding"]})
            for i in range(len(drawn))
        ])  # fmt: skip
    return [sheet("style_augment.jpg", rows)]


def presets(ctx: Context) -> list[Picture]:
    """The three presets side by side on one pair, each with its wall time."""
    photo, painting = example("content", "leuven"), example("style", "starry_night")
    size = ctx.profile.size
    tiles = [source(photo, size), source(painting, size)]
    for name in ("fast", "balanced", "high"):
        tile = stylised(photo, [painting], ctx.config(name, size), ctx)
        tiles.append(labelled(tile, f"{name}: {tile.seconds:.1f} s"))
    return [sheet("presets.jpg", [tiles])]


def preserve_color(ctx: Context) -> list[Picture]:
    """Preserve-colours off and on (luminance-only transfer keeps the photo's palette).

    The Starry Night's blues against the orange suit make the difference plain; the flat
    colours of the bedroom clipart barely moved the astronaut at the default strength.
    """
    photo, painting = example("content", "astronaut"), example("style", "starry_night")
    size = ctx.profile.sweep_size
    tiles = [source(photo, size), source(painting, size)]
    for keep in (False, True):
        config = ctx.config("fast", size, color="paste" if keep else "painting")
        tile = stylised(photo, [painting], config, ctx)
        tiles.append(labelled(tile, f"preserve colours {'on' if keep else 'off'}"))
    return [sheet("preserve_color.jpg", [tiles])]


def blend(ctx: Context) -> list[Picture]:
    """Two paintings blended at three weights, between the two paintings themselves."""
    photo = example("content", "leuven")
    first, second = example("style", "starry_night"), example("style", "van_gogh_bedroom")
    size = ctx.profile.sweep_size
    tiles = [source(first, size)]
    for weight in (0.75, 0.5, 0.25):
        config = ctx.config("fast", size, style_blend=(weight, 1.0 - weight))
        tile = stylised(photo, [first, second], config, ctx)
        tiles.append(labelled(tile, f"{first.stem} {weight:g} / {second.stem} {1 - weight:g}"))
    tiles.append(source(second, size))
    return [sheet("blend.jpg", [tiles])]


def strength(ctx: Context) -> list[Picture]:
    """A contact sheet of strengths from 0 (the photo) to 1 (all painting), ``fast`` preset."""
    photo, painting = example("content", "leuven"), example("style", "starry_night")
    size = ctx.profile.sweep_size
    base = ctx.config("fast", size)
    tiles = [source(photo, size)]
    for strength in ctx.profile.strengths:
        tile = stylised(photo, [painting], base.replace(strength=strength), ctx)
        tiles.append(labelled(tile, f"strength {strength:g}"))
    return [sheet("strength.jpg", chunk(tiles, 3))]


def hires(ctx: Context) -> list[Picture]:
    """A ``fast`` result at the hires size (coarse to fine), and a crop at full resolution."""
    photo, painting = example("content", "leuven"), example("style", "starry_night")
    size, side = ctx.profile.hires_size, ctx.profile.crop
    tile = stylised(photo, [painting], ctx.config("fast", size), ctx)
    result = labelled(tile, f"{photo.stem} x {painting.stem}, {size} px, fast")
    crops = [
        Tile(crop_center(source(photo, size).image, side), f"photo, {side} px crop at 1:1"),
        Tile(crop_center(result.image, side), f"result, {side} px crop at 1:1"),
    ]
    return [Picture("hires.jpg", result.image, (result,)), sheet("hires_crop.jpg", [crops])]


def fast_mode(ctx: Context) -> list[Picture]:
    """The bundled fast-mode model on photos it never saw, beside the optimisation.

    Both sides use the model's painting and strength, and each label gives its time: the
    sheet shows what one forward pass trades for being a thousand times quicker.
    """
    tool = ctx.registry.create("fast-stylize", {})
    info = load_model(tool.params.model).info
    painting = example("style", Path(info.painting).stem)
    size = ctx.profile.size
    config = ctx.config("fast", size, strength=info.strength)
    rows: list[list[Tile | None]] = []
    for stem in HELD_OUT:
        photo = example("content", stem)
        shown = source(photo, size)
        fast = tool_tile(shown.image, "fast-stylize", {}, ctx)
        settings = {**fast.settings, "model": f"bundled ({describe_model(info)})"}
        fast = dataclasses.replace(fast, settings=settings)
        optimised = stylised(photo, [painting], config, ctx)
        rows.append(
            [
                shown,
                labelled(fast, f"fast model: {fast.seconds * 1000:.0f} ms"),
                labelled(optimised, f"optimised (fast preset): {optimised.seconds:.1f} s"),
            ]
        )
    return [sheet("fast_mode.jpg", rows)]


def edges(ctx: Context) -> list[Picture]:
    """The edge filters on one photo, in one sheet."""
    photo = source(example("content", "astronaut"), ctx.profile.tool_size)
    filters = EDGE_FILTERS.items()
    tiles = [photo, *(tool_tile(photo.image, name, values, ctx) for name, values in filters)]
    return [sheet("edges.jpg", chunk(tiles, 3))]


def augment(ctx: Context) -> list[Picture]:
    """One photo with eight augmentations, each labelled with the parameters drawn."""
    photo = source(example("content", "leuven"), ctx.profile.tool_size)
    tiles = [photo, *(tool_tile(photo.image, name, values, ctx) for name, values in AUGMENTATIONS)]
    return [sheet("augment.jpg", chunk(tiles, 3))]


def _masked_row(
    ctx: Context, photo: str, parts: Sequence[tuple[str, str]], labels: tuple[str, str]
) -> list[Tile | None]:
    """Photo, mask, painting(s) and the result of one masked transfer, result in column 5;
    ``labels`` are the mask's and the result's.

    ``parts`` pairs each painting with its mask's stem; the first mask is the one shown
    (the second, where there is one, is its complement).
    """
    size = ctx.profile.size
    path = example("content", photo)
    paintings = [example("style", painting) for painting, _ in parts]
    masks = [MASKS_DIR / f"{stem}.png" for _, stem in parts]
    result = stylised(path, paintings, ctx.config("fast", size), ctx, masks)
    tiles: list[Tile | None] = [source(path, size), mask_tile(masks[0], size, labels[0])]
    tiles += [source(painting, size) for painting in paintings]
    return [*tiles, *[None] * (4 - len(tiles)), labelled(result, labels[1])]


def regions(ctx: Context) -> list[Picture]:
    """Regional transfer (Gatys et al. 2017's guided Gram matrices), one idea per row:
    two paintings split at the skyline, a subject kept as the photo, a portrait whose face
    fades softly into the painting, and the colour modes on one pair.

    Masks come from ``gallery/masks.py`` (shapes placed by hand, feathered); each row shows
    its mask beside the photo so the request can be read against the result.
    """
    rows = [
        _masked_row(ctx, "leuven", [("starry_night", "leuven_sky"),
                                    ("harlequin_mosaic", "leuven_ground")],
                    ("mask: white = starry night, black = harlequin mosaic",
                     "sky: starry night; houses and street: harlequin mosaic")),
        _masked_row(ctx, "coffee", [("graffiti", "coffee_background")],
                    ("mask: white = graffiti, black = photo kept",
                     "the cup kept, the table graffiti")),
        _masked_row(ctx, "astronaut", [("starry_night", "astronaut_background")],
                    ("feathered mask: white = starry night, black = photo kept",
                     "the face kept softly, the rest starry night")),
    ]  # fmt: skip
    photo, painting = example("content", "chelsea"), example("style", "starry_night")
    size = ctx.profile.size
    row: list[Tile | None] = [source(photo, size), source(painting, size)]
    for mode, label in COLOR_MODES.items():
        tile = stylised(photo, [painting], ctx.config("fast", size, color=mode), ctx)
        row.append(labelled(tile, label))
    return [sheet("regions.jpg", [*rows, row])]
