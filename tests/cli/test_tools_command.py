"""The tool commands through Typer's runner: listing, apply, edges, pca-stats, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from styletools_cli.commands.apply import split_tool_args
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.images import open_image, resize_long_side, save_image, to_pil, to_tensor

RUNNER = CliRunner()
CONTENT = Path(__file__).resolve().parents[2] / "gallery" / "examples" / "content" / "leuven.jpg"


@pytest.fixture
def photo(tmp_path):
    """A real photo reduced to 48 px, saved as PNG."""
    return save_image(resize_long_side(open_image(CONTENT), 48), tmp_path / "photo.png")


def invoke(*args: object):
    return RUNNER.invoke(app, [str(arg) for arg in args])


def test_tools_lists_every_family_with_parameters():
    result = invoke("tools")
    assert result.exit_code == 0, result.output
    for expected in ("sobel  [edges]", "crop  [augment] (random)", "--scale", "pca-color"):
        assert expected in result.stdout


def test_tools_with_unknown_pattern_fails_in_one_line():
    result = invoke("tools", "nothing*")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "no tool matches 'nothing*'" in result.stderr


def test_apply_writes_the_tool_output(photo, tmp_path):
    out = tmp_path / "crop.png"
    result = invoke("apply", "crop", photo, "--scale", "0.6-1.0", "--size", "20", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out) and open_image(out).size == (20, 20)


def test_apply_with_the_same_seed_is_reproducible(photo, tmp_path):
    outputs = [tmp_path / f"{index}.png" for index in range(3)]
    for seed, out in zip((4, 4, 5), outputs, strict=True):
        assert invoke("apply", "rotate", photo, "--seed", seed, "-o", out).exit_code == 0
    first, again, other = (out.read_bytes() for out in outputs)
    assert first == again and first != other


def test_apply_takes_the_device_rule_of_every_command(photo, tmp_path):
    # `auto` is the same rule as transfer's and batch's (styletools.devices.resolve_device).
    outputs = [tmp_path / f"{device}.png" for device in ("auto", "cpu")]
    for out in outputs:
        result = invoke("apply", "rotate", photo, "--seed", 3, "--device", out.stem, "-o", out)
        assert result.exit_code == 0, result.output
    if not (torch.cuda.is_available() or torch.backends.mps.is_available()):
        assert outputs[0].read_bytes() == outputs[1].read_bytes()  # auto is the CPU here


def test_apply_matches_the_registry(photo, tmp_path):
    out = tmp_path / "sobel.png"
    assert invoke("apply", "sobel", photo, "--direction=x", "--display", "signed",
                  "-o", out).exit_code == 0
    from styletools.tools import default_registry

    tool = default_registry(plugins=False).create("sobel", {"direction": "x", "display": "signed"})
    expected = to_pil(tool(to_tensor(open_image(photo))))
    assert open_image(out).tobytes() == expected.tobytes()


def test_apply_several_images_into_a_folder(photo, tmp_path):
    second = save_image(open_image(photo), tmp_path / "second.png")
    folder = tmp_path / "out"
    result = invoke("apply", "flip", photo, second, "--p", "1", "-o", folder)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["photo-flip.png", "second-flip.png"]


def test_edges_shortcut_writes_beside_the_input(photo):
    result = invoke("edges", photo, "--filter", "vertical")
    assert result.exit_code == 0, result.output
    assert (photo.parent / "photo-vertical-edges.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("apply", "rotate", "missing.jpg"), "missing.jpg: no such file"),
        (("apply", "rotat", "{photo}"), "unknown tool 'rotat'; did you mean rotate"),
        (("apply", "rotate", "{photo}", "--degrees", "999"), "degrees='999' is not allowed"),
        (("apply", "rotate", "{photo}", "--colour", "red"), "unknown parameter 'colour'"),
        (("apply", "rotate", "{photo}", "-x"), "unknown option '-x'"),
        (("apply", "rotate"), "no input image given"),
        (("apply", "rotate", "{photo}", "--degrees"), "option --degrees needs a value"),
        (("apply", "flip", "{photo}", "-o", "{photo}", "--overwrite"), "is one of the inputs"),
        (("edges", "{photo}", "--filter", "canny"), "--filter='canny' is not allowed"),
        (("pca-stats", "{photo}.d"), "no such folder"),
        (("apply", "flip", "{photo}", "--device", "bogus"), "device: unknown 'bogus'"),
    ],
)
def test_bad_input_is_one_line_and_exit_one(args, message, photo):
    result = invoke(*(arg.format(photo=photo) for arg in args))
    assert result.exit_code == 1, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_existing_output_is_kept_without_overwrite(photo, tmp_path):
    out = tmp_path / "kept.png"
    out.write_bytes(b"keep me")
    result = invoke("apply", "flip", photo, "-o", out)
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert invoke("apply", "flip", photo, "-o", out, "--overwrite").exit_code == 0


def test_pca_stats_feeds_pca_color(photo, tmp_path):
    stats = tmp_path / "stats.json"
    result = invoke("pca-stats", photo.parent, "-o", stats)
    assert result.exit_code == 0, result.output
    assert "1 images, eigenvalues" in result.stdout
    out = tmp_path / "pca.png"
    assert invoke("apply", "pca-color", photo, "--stats", stats, "-o", out).exit_code == 0


def test_split_tool_args_handles_bool_flags_and_equals():
    from styletools.params import ParamSpec

    specs = (ParamSpec("fast", "bool", bool, False, "x"), ParamSpec("degrees", "range", tuple,
                                                                      (0.0, 0.0), "y"))
    images, values = split_tool_args(["a.png", "--fast", "--degrees", "-10-10", "b.png",
                                      "--x=1"], specs)
    assert [str(path) for path in images] == ["a.png", "b.png"]
    assert values == {"fast": "true", "degrees": "-10-10", "x": "1"}


def test_apply_keeps_tensor_contract(photo):
    # The CLI goes through images.to_tensor: float32 (1, 3, H, W) in [0, 1].
    tensor = to_tensor(open_image(photo))
    assert tensor.dtype == torch.float32 and tensor.shape[:2] == (1, 3)
