"""Masks in the batch: the pattern, masks not taken as inputs, kept pixels, manifest, failures.

Runs fast-stylize (the bundled network, a blend through the mask, so kept pixels are exact)
on four of the gallery's photos at 96x72 px, each with a half mask made here: black on the
left (keep), white on the right (stylise).
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePath

import numpy as np
import pytest
from PIL import Image

from styletools.batch import (
    MANIFEST_NAME,
    BatchSettings,
    make_plan,
    parse_ops,
    plan_replay,
    read_manifest,
    replay,
    run_plan,
)
from styletools.batch.mask_files import parse_mask_pattern
from styletools.errors import ConfigError
from styletools.tools import default_registry

EXAMPLES = Path(__file__).resolve().parents[1] / "gallery" / "examples" / "content"
PHOTOS = {"street/leuven.png": "leuven.jpg", "cats/chelsea.png": "chelsea.png",
          "cups/coffee.png": "coffee.png", "people/astronaut.png": "astronaut.png"}
PATTERN = "{stem}_mask.png"
SIZE = (96, 72)
HALF = SIZE[0] // 2


@pytest.fixture(scope="module")
def registry():
    return default_registry(plugins=False)


def half_mask(size: tuple[int, int] = SIZE) -> Image.Image:
    """Black on the left half, white on the right."""
    values = np.zeros((size[1], size[0]), dtype=np.uint8)
    values[:, size[0] // 2 :] = 255
    return Image.fromarray(values, mode="L")


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """The photos as PNGs (lossless, so kept pixels compare exactly), each with its mask."""
    folder = tmp_path / "src"
    for relative, name in PHOTOS.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(EXAMPLES / name) as photo:
            photo.convert("RGB").resize(SIZE).save(path)
        half_mask().save(path.with_name(f"{path.stem}_mask.png"))
    return folder


def settings(registry, ops: str = "fast-stylize", **changes) -> BatchSettings:
    return BatchSettings(parse_ops(ops, registry), **{"fmt": "PNG", "mask_pattern": PATTERN,
                                                      **changes})


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the pattern -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "source", "mask"),
    [
        ("{stem}_mask.png", "cats/a.jpg", "cats/a_mask.png"),
        ("masks/{stem}.png", "cats/a.jpg", "cats/masks/a.png"),
        ("../masks/{name}", "images/a.jpg", "masks/a.jpg"),
        ("{stem}.mask{suffix}", "a.jpg", "a.mask.jpg"),
        ("../{stem}.png", "a.jpg", "../a.png"),
    ],
)
def test_pattern_names_the_mask_relative_to_the_inputs_folder(pattern, source, mask) -> None:
    compiled = parse_mask_pattern(pattern)
    assert compiled.mask_for(PurePath(source)) == mask
    assert compiled.matches(PurePath(mask)) and not compiled.matches(PurePath(source))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "expected a relative file path"),
        ("/data/{stem}.png", "expected a relative file path"),
        ("masks/../{stem}.png", r"'\.\.' only at the start"),
        ("{stme}.png", r"unknown placeholder \{stme\}; known: \{stem\}, \{name\}, \{suffix\}"),
        ("{stem!r}.png", r"unknown placeholder \{stem!r\}"),
        ("{stem.png", "expected '}'"),
    ],
)
def test_bad_patterns_are_refused_in_one_line(pattern, message) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_mask_pattern(pattern)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("ops", "changes", "message"),
    [
        ("flip;fast-stylize", {}, "flip comes before the style step fast-stylize"),
        ("flip;rotate", {}, "no step of the pipeline paints a style"),
        ("fast-stylize", {"mask_pattern": None, "mask_optional": True},
         "--mask-optional: give --mask-pattern too"),
        ("fast-stylize", {"mask_pattern": "{stem}.png"}, "every image under SRC matches it"),
    ],
)
def test_plans_a_mask_cannot_serve_are_refused(src, tmp_path, registry, ops, changes,
                                               message) -> None:
    with pytest.raises(ConfigError, match=message):
        make_plan(src, tmp_path / "dest", settings(registry, ops, **changes))


# --- runs --------------------------------------------------------------------------------------


def test_masked_batch_keeps_the_black_half_records_the_mask_and_replays(
    src: Path, tmp_path: Path, registry
) -> None:
    dest = tmp_path / "dest"
    plan = make_plan(src, dest, settings(registry, "fast-stylize;flip", copies=2))
    assert sorted({item.source_rel for item in plan.items}) == sorted(PHOTOS)
    assert sorted(plan.masks) == sorted(
        name.replace(".png", "_mask.png") for name in PHOTOS)
    result = run_plan(plan)
    assert result.written == 8 and not result.failed
    _, records = read_manifest(dest / MANIFEST_NAME)
    for name, record in records.items():
        out = pixels(dest / name)
        if record.steps[1]["params"]["flip"]:  # flip runs after the style step: undo it
            out = out[:, ::-1]
        photo = pixels(src / record.source)
        assert np.array_equal(out[:, :HALF], photo[:, :HALF]), name
        assert np.abs(out[:, HALF:] - photo[:, HALF:]).mean() > 5, name
        mask = record.source.replace(".png", "_mask.png")
        assert (record.mask, record.mask_sha256) == (mask, sha256(src / mask))
    assert sorted(path.relative_to(dest).as_posix() for path in dest.rglob("*")
                  if path.is_file()) == sorted([MANIFEST_NAME, *records])
    again = replay(plan_replay(dest / MANIFEST_NAME, tmp_path / "again", registry))
    assert not again.different and not again.failed and len(again.records) == 8
    with pytest.raises(ConfigError, match="different mask_pattern"):
        run_plan(make_plan(src, dest, settings(registry, "fast-stylize;flip", copies=2,
                                               mask_pattern="masks/{stem}.png")))


def test_a_missing_or_broken_mask_fails_its_item_and_the_batch_goes_on(
    src: Path, tmp_path: Path, registry
) -> None:
    (src / "cats" / "chelsea_mask.png").unlink()
    (src / "cups" / "coffee_mask.png").write_bytes(b"\x89PNG\r\n\x1a\nnot a mask")
    half_mask((40, 40)).save(src / "street" / "leuven_mask.png")
    result = run_plan(make_plan(src, tmp_path / "dest", settings(registry)))
    errors = {record.source: record.error for record in result.failed}
    assert errors == {
        "cats/chelsea.png": "mask cats/chelsea_mask.png: no such file",
        "cups/coffee.png": "mask cups/coffee_mask.png: not an image, or a format Pillow "
                           "cannot read",
        "street/leuven.png": "mask street/leuven_mask.png: 40x40 px, not the proportions of "
                             "the 96x72 px image",
    }
    assert all(record.mask == record.source.replace(".png", "_mask.png")
               for record in result.failed)
    assert result.written == 1  # the one input with a good mask
    assert sorted(path.relative_to(tmp_path / "dest").as_posix() for path in
                  (tmp_path / "dest").rglob("*") if path.is_file()) == [
        MANIFEST_NAME, "people/astronaut__0.png"]


def test_mask_optional_stylises_an_input_without_its_mask_whole(
    src: Path, tmp_path: Path, registry
) -> None:
    (src / "cats" / "chelsea_mask.png").unlink()
    half_mask((48, 36)).save(src / "street" / "leuven_mask.png")  # same proportions: resized
    dest = tmp_path / "dest"
    result = run_plan(make_plan(src, dest, settings(registry, mask_optional=True)))
    assert result.written == 4 and not result.failed
    _, records = read_manifest(dest / MANIFEST_NAME)
    whole = records["cats/chelsea__0.png"]
    assert (whole.mask, whole.mask_sha256) == (None, None)
    out, photo = pixels(dest / "cats/chelsea__0.png"), pixels(src / "cats/chelsea.png")
    assert np.abs(out[:, :HALF] - photo[:, :HALF]).mean() > 5  # the left half is painted too
    resized = pixels(dest / "street/leuven__0.png")
    assert np.array_equal(resized[:, :HALF - 1], pixels(src / "street/leuven.png")[:, :HALF - 1])
