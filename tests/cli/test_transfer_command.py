"""``styletools transfer`` through Typer's CliRunner: outputs, refusals and one-line errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.color import rgb_to_yiq
from styletools.loading import load_image_tensor

# Tiny and fast: 32 px, one scale, shallow layers (three convolutions).
FAST = ["--size", "32", "--scales", "1", "--steps", "2", "--seed", "1",
        "--content-layers", "relu2_1", "--style-layers", "relu1_1,relu2_1"]  # fmt: skip


def invoke(*args: object):
    return CliRunner().invoke(app, ["transfer", *map(str, args)])


def assert_one_line_error(result, *fragments: str) -> str:
    """Exit code 1, exactly one ``Error:`` line on stderr, containing every fragment."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0]
    assert "Traceback" not in result.output
    assert "Error" not in result.stdout
    return errors[0]


@pytest.fixture
def content(tmp_path, content_path) -> Path:
    """The photo copied into the test's folder, so the default output lands there."""
    return Path(shutil.copy(content_path, tmp_path / "photo.jpg"))


@pytest.fixture
def style(style_paths) -> Path:
    return style_paths[0]


def test_happy_path_writes_beside_the_content_and_prints_the_path(content, style):
    result = invoke(content, style, "--size", 64, "--steps", 3, "--scales", 1, "--seed", 1)
    assert result.exit_code == 0, result.output
    target = content.with_name("photo_stylized.png")
    assert result.stdout.splitlines()[-1] == str(target)
    assert "seed: 1" in result.stderr
    with Image.open(target) as written:
        assert (written.format, written.mode, written.size) == ("PNG", "RGB", (64, 48))


def test_output_option_creates_folders(content, style, tmp_path):
    target = tmp_path / "results" / "night.png"
    result = invoke(content, style, *FAST, "-o", target)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == str(target)
    with Image.open(target) as written:
        assert written.size == (32, 24)
    assert not content.with_name("photo_stylized.png").exists()


def test_existing_output_is_kept_without_overwrite(content, style):
    target = content.with_name("photo_stylized.png")
    target.write_bytes(b"keep me")
    result = invoke(content, style, *FAST)
    assert_one_line_error(result, str(target), "already exists", "--overwrite")
    assert target.read_bytes() == b"keep me"


def test_overwrite_replaces_the_output(content, style):
    target = content.with_name("photo_stylized.png")
    target.write_bytes(b"old")
    result = invoke(content, style, *FAST, "--overwrite")
    assert result.exit_code == 0, result.output
    with Image.open(target) as written:
        assert written.size == (32, 24)


@pytest.mark.parametrize("which", ["content", "style"])
def test_output_onto_an_input_is_refused_even_with_overwrite(tmp_path, content, style, which):
    style_copy = Path(shutil.copy(style, tmp_path / "painting.jpg"))
    victim = content if which == "content" else style_copy
    before = victim.read_bytes()
    result = invoke(content, style_copy, *FAST, "-o", victim, "--overwrite")
    assert_one_line_error(result, str(victim), "is one of the inputs")
    assert victim.read_bytes() == before


def make_bad_input(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.jpg"
    if kind == "text":
        path.write_text("this is not an image\n")
    elif kind == "truncated":
        noise = np.random.default_rng(5).integers(0, 256, (48, 64, 3), dtype=np.uint8)
        Image.fromarray(noise).save(path, quality=90)
        path.write_bytes(path.read_bytes()[:600])
    return path  # "missing": never written


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("missing", "no such file"), ("text", "not an image"), ("truncated", "truncated or corrupt")],
)
@pytest.mark.parametrize("role", ["content", "style"])
def test_bad_input_is_one_line_naming_the_file(tmp_path, content, style, kind, reason, role):
    bad = make_bad_input(kind, tmp_path)
    args = (bad, style) if role == "content" else (content, bad)
    result = invoke(*args, *FAST, "-o", tmp_path / "out.png")
    assert_one_line_error(result, str(bad), reason)
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--preset", "turbo", "preset: unknown 'turbo'; choose from fast, balanced, high"),
        ("--optimizer", "sgd", "optimizer='sgd' is not allowed; expected one of lbfgs, adam"),
        ("--style-layers", "relu9_9", "style_layers='relu9_9' is not allowed; expected each one "
         "of relu1_1,"),
        ("--content-layers", "conv4_2", "content_layers='conv4_2' is not allowed; expected each"),
        ("--pooling", "min", "pooling='min' is not allowed; expected one of max, avg"),
        ("--device", "bogus", "device: unknown 'bogus'; use auto, cpu, cuda, cuda:N or mps"),
        ("--steps", "1.5", "steps='1.5' is not allowed; expected whole numbers separated by "
         "commas"),
        ("--style-blend", "a,b", "style_blend='a,b' is not allowed; expected numbers separated "
         "by commas"),
        ("--learning-rate", "-1", "learning_rate='-1' is not allowed; expected a number in "
         "[0.0, inf]"),
    ],
)
def test_bad_option_is_one_line_listing_the_choices(tmp_path, content, style, option, value,
                                                    expected):
    args = [a for a in FAST if a not in ("--style-layers", "relu1_1,relu2_1")]
    if option == "--content-layers":
        args = [a for a in args if a not in ("--content-layers", "relu2_1")]
    result = invoke(content, style, *args, option, value, "-o", tmp_path / "out.png")
    assert_one_line_error(result, expected)
    assert not (tmp_path / "out.png").exists()


def test_save_every_writes_frames(content, style, tmp_path):
    target = tmp_path / "out.png"
    result = invoke(content, style, *FAST, "--steps", 3, "-o", target, "--save-every", 2)
    assert result.exit_code == 0, result.output
    frames = sorted(p.name for p in (tmp_path / "out_frames").iterdir())
    assert frames == ["scale1_step0002.png"]
    with Image.open(tmp_path / "out_frames" / frames[0]) as frame:
        assert frame.size == (32, 24)


def test_style_blend_weighs_each_painting(content, style_paths, tmp_path):
    # Known answer: weights 1,0 are the first painting alone, bit for bit (same seed).
    def run(name: str, *args: object) -> np.ndarray:
        result = invoke(content, *args, *FAST, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
        return pixels(tmp_path / name).astype(float)

    first, second = run("first.png", style_paths[0]), run("second.png", style_paths[1])
    only_first = run("only_first.png", *style_paths, "--style-blend", "1,0")
    blend = run("blend.png", *style_paths, "--style-blend", "0.7,0.3")
    assert np.array_equal(only_first, first)
    assert np.abs(blend - first).mean() > 0.5 and np.abs(blend - second).mean() > 0.5


def test_style_blend_needs_one_weight_per_style(content, style_paths, tmp_path):
    result = invoke(content, *style_paths, *FAST, "--style-blend", "1", "-o", tmp_path / "o.png")
    assert_one_line_error(result, "style_blend: give 2 non-negative weight(s)")


def chroma_drift(image: Path, photo: Path) -> float:
    """Mean distance of the I and Q (chroma) channels of two images, at 32 px."""
    written, original = load_image_tensor(image, 32), load_image_tensor(photo, 32)
    return float((rgb_to_yiq(written)[:, 1:] - rgb_to_yiq(original)[:, 1:]).abs().mean())


def test_preserve_color_keeps_the_photos_chroma(content, style, tmp_path):
    kept, control = tmp_path / "kept.png", tmp_path / "control.png"
    for target, flag in ((kept, "--preserve-color"), (control, "--no-preserve-color")):
        result = invoke(content, style, *FAST, "--optimizer", "adam", flag, "-o", target)
        assert result.exit_code == 0, result.output
    assert chroma_drift(kept, content) < 0.01  # 8-bit rounding only
    # The control run without it takes the painting's colours: the check can fail.
    assert chroma_drift(control, content) > 5 * chroma_drift(kept, content)


def test_same_seed_gives_the_same_file(content, style, tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    assert invoke(content, style, *FAST, "--init", "noise", "-o", first).exit_code == 0
    assert invoke(content, style, *FAST, "--init", "noise", "-o", second).exit_code == 0
    assert np.array_equal(pixels(first), pixels(second))


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_help_lists_the_presets():
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("fast", "balanced", "high", "--preserve-color", "--style-blend"):
        assert name in result.stdout


# Big outputs: the plan, the budget and forced tiles.


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, content_path, style_paths):
    target = tmp_path / "out.png"
    result = invoke(content_path, style_paths[0], "--size", 4096, "--max-memory", "6G",
                    "--dry-run", "-o", target)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.match(r"scale 1/2: 2048x153\d, 150 steps", lines[0])
    assert re.match(r"scale 2/2: 4096x307\d, 60 steps, \d+ tiles of \d+ px", lines[1])
    peak = next(line for line in lines if line.startswith("peak memory ≈ "))
    assert re.fullmatch(r"peak memory ≈ \d+\.\d GB \(budget 6\.0 GB\)", peak)
    assert any(line.startswith("time ≈ ") for line in lines)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_over_budget_is_refused_in_one_line_before_any_work(tmp_path, content_path,
                                                            style_paths):
    target = tmp_path / "out.png"
    result = invoke(content_path, style_paths[0], "--size", 8192, "--max-memory", "2G",
                    "-o", target)
    line = assert_one_line_error(result, "max_memory", "8192x6141", "budget of 2.0 GB")
    assert re.search(r"needs about \d+\.\d GB", line)
    assert not target.exists()


def test_bad_memory_size_is_one_line(tmp_path, content_path, style_paths):
    result = invoke(content_path, style_paths[0], "--max-memory", "lots", "-o",
                    tmp_path / "out.png")
    assert_one_line_error(result, "max_memory", "'lots' is not a memory size")


def test_forced_tiles_run_and_write_the_output(tmp_path, content_path, style_paths):
    target = tmp_path / "out.png"
    result = invoke(content_path, style_paths[0], *FAST, "--size", 96, "--tile", 32,
                    "-o", target)
    assert result.exit_code == 0, result.output
    with Image.open(target) as written:
        assert written.size == (96, 72)


@pytest.mark.parametrize("method", [("--model", "BUNDLED"), ("--method", "arbitrary")])
def test_one_pass_networks_in_forced_tiles_match_the_whole_image(content_path, style_paths,
                                                                  tmp_path, method):
    """Whole-image statistics gathered over tiles: the same picture within 1/255."""
    from styletools.tools.fast_stylize import BUNDLED_MODEL

    option, value = method
    value = BUNDLED_MODEL if value == "BUNDLED" else value
    paintings = [] if option == "--model" else [style_paths[0]]
    pictures = []
    for extra in ((), ("--tile", 48)):
        target = tmp_path / f"out{len(pictures)}.png"
        result = invoke(content_path, *paintings, option, value, "--size", 200, *extra,
                        "-o", target)
        assert result.exit_code == 0, result.output
        with Image.open(target) as written:
            pictures.append(np.asarray(written, dtype=np.float64))
    assert np.abs(pictures[0] - pictures[1]).mean() <= 1.0


# Regions: --mask, one per painting, and --color.


def _half_mask(path: Path, size: tuple[int, int], right: bool) -> Path:
    """White on one half (the painting's), black on the other (the photo's)."""
    width, height = size
    values = np.zeros((height, width), np.uint8)
    values[:, width // 2 :] = 255
    Image.fromarray(values if right else 255 - values).save(path)
    return path


def test_a_mask_keeps_the_photo_where_it_is_black(content, style, tmp_path):
    mask = _half_mask(tmp_path / "right.png", (64, 48), right=True)
    target = tmp_path / "masked.png"
    result = invoke(content, style, *FAST, "--size", 64, "--steps", 8, "--mask", mask,
                    "-o", target)
    assert result.exit_code == 0, result.output
    written, photo = pixels(target) / 255.0, pixels_at(content, 64)
    kept, painted = np.abs(written - photo)[:, :24], np.abs(written - photo)[:, 40:]
    assert kept.mean() < 0.01 < painted.mean()


def pixels_at(path: Path, size: int) -> np.ndarray:
    return load_image_tensor(path, size)[0].permute(1, 2, 0).numpy()


def test_a_mask_of_another_size_is_resized_with_a_note(content, style, tmp_path):
    mask = _half_mask(tmp_path / "small.png", (10, 10), right=True)
    result = invoke(content, style, *FAST, "--mask", mask, "-o", tmp_path / "out.png")
    assert result.exit_code == 0, result.output
    assert "note: " in result.stderr and "small.png: a 10x10 px mask, resized" in result.stderr


def test_mask_errors_are_one_line(content, style, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("no pixels here")
    assert_one_line_error(invoke(content, style, *FAST, "--mask", bad, "-o", tmp_path / "o.png"),
                          str(bad), "not an image")
    good = _half_mask(tmp_path / "m.png", (8, 8), right=True)
    assert_one_line_error(
        invoke(content, style, *FAST, "--mask", good, "--mask", good, "-o", tmp_path / "o.png"),
        "mask: 2 mask(s) for 1 painting(s)",
    )
    assert not (tmp_path / "o.png").exists()


def test_color_luminance_and_paste_are_both_offered(content, style, tmp_path):
    outputs = {}
    for mode in ("paste", "luminance"):
        outputs[mode] = tmp_path / f"{mode}.png"
        result = invoke(content, style, *FAST, "--optimizer", "adam", "--color", mode,
                        "-o", outputs[mode])
        assert result.exit_code == 0, result.output
        assert chroma_drift(outputs[mode], content) < 0.01
    assert not np.array_equal(pixels(outputs["paste"]), pixels(outputs["luminance"]))
    conflict = invoke(content, style, *FAST, "--preserve-color", "--color", "luminance")
    assert_one_line_error(conflict, "preserve_color: means color=paste")
