"""The fast-stylize tool and its front ends: `transfer --model`, `train-style`, `apply`."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.fast.model_file import ModelFileError, load_model
from styletools.images import open_image, to_tensor
from styletools.loading import load_image_tensor
from styletools.tools import default_registry
from styletools.tools.fast_stylize import BUNDLED_MODEL, FastStylize

from .conftest import smooth_photo, tiny_network

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def photo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from styletools.images import save_image, to_pil

    path = tmp_path_factory.mktemp("photo") / "photo.png"
    save_image(to_pil(smooth_photo(9, 30, 45)), path)
    return path


def _reference(image: torch.Tensor) -> torch.Tensor:
    """The tiny network applied by hand: an independent path to the tool's answer."""
    with torch.no_grad():
        return tiny_network()(image).clamp(0, 1)


def test_tool_is_the_network_clamped(model_path):
    image = smooth_photo(1, 19, 27)
    out = FastStylize(FastStylize.Params(model=model_path))(image.double())
    assert out.dtype == torch.float64 and out.shape == image.shape
    torch.testing.assert_close(out.float(), _reference(image), atol=1e-6, rtol=0)


def test_model_loads_once_per_instance_and_not_into_pickles(model_path):
    tool = default_registry(plugins=False).create("fast-stylize", {"model": str(model_path)})
    first = tool.network(torch.device("cpu"))
    assert tool.network(torch.device("cpu")) is first
    clone = pickle.loads(pickle.dumps(tool))
    assert "_networks" not in clone.__dict__ and clone == tool


def test_bad_model_is_the_model_error(tmp_path):
    path = tmp_path / "bad.stm"
    path.write_bytes(b"nope")
    with pytest.raises(ModelFileError, match="not a styletools model"):
        FastStylize(FastStylize.Params(model=path))(torch.rand(1, 3, 8, 8))


def test_bundled_model_is_a_real_record():
    info = load_model(BUNDLED_MODEL).info
    assert info.painting == "starry_night.jpg" and info.steps > 0 and info.vgg_license


def test_transfer_with_model_uses_the_tools_code(model_path, photo_file, tmp_path):
    out = tmp_path / "out.png"
    result = RUNNER.invoke(
        app, ["transfer", str(photo_file), "--model", str(model_path), "-o", str(out),
              "--size", "40", "--device", "cpu"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = _reference(load_image_tensor(photo_file, 40))
    written = to_tensor(open_image(out))
    assert written.shape == expected.shape
    assert (written - expected).abs().max() <= 0.5 / 255 + 1e-6  # only 8-bit rounding


@pytest.mark.parametrize(
    ("extra", "message"), [([], "not neither"), (["PAINTING", "--model", "MODEL"], "not both")]
)
def test_transfer_needs_painting_or_model(model_path, photo_file, painting, tmp_path, extra,
                                          message):  # fmt: skip
    words = [{"PAINTING": str(painting), "MODEL": str(model_path)}.get(w, w) for w in extra]
    output = ["-o", str(tmp_path / "x.png")]
    result = RUNNER.invoke(app, ["transfer", str(photo_file), *words, *output])
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_train_style_command_writes_a_model(painting, photos, tmp_path):
    out = tmp_path / "m.stm"
    words = ["train-style", str(painting), "--photos", str(photos), "-o", str(out), "--size",
             "32", "--steps", "1", "--batch", "1", "--width", "4", "--device", "cpu"]  # fmt: skip
    result = RUNNER.invoke(app, words)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == str(out)
    assert load_model(out).info.width == 4
    again = RUNNER.invoke(app, words)  # the model exists now
    assert again.exit_code == 1 and "already exists" in again.output


def test_train_style_errors_are_one_line(painting, tmp_path):
    result = RUNNER.invoke(
        app, ["train-style", str(painting), "--photos", str(tmp_path / "none"), "-o",
              str(tmp_path / "m.stm"), "--device", "cpu"],
    )  # fmt: skip
    assert result.exit_code == 1 and "does not exist" in result.output
    assert "Traceback" not in result.output
