"""Name maps from the ONNX graphs' tensors to our modules' state dicts, with shape checks.

The arbitrary-style graphs (tf2onnx from Magenta's TFLite models) name each layer by its
TensorFlow scope, e.g. ``transformer/residual/residual3/conv1``; its dequantised kernel is
``<scope>/weights_dequant`` and the 1×1 convs that make its ``gamma``/``beta`` from the
embedding are ``style_params/<scope>/StyleNorm/Conv_1`` and ``.../StyleNorm/Conv``. The
26-style graph (exported from PyTorch) names ``contract.0.w`` and ``contract.0.norm.gamma``
``(26, C)``. Biases of convs followed by instance norm are dropped: the norm's mean
subtraction removes them exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from styletools.errors import WeightsError

Sources = Iterator[tuple[str, str, str]]  # (our parameter, ONNX tensor, how to reshape)


def _conv(
    ours: str, scope: str, weights: str = "weights", bias: str | None = "Conv2D_bias"
) -> Sources:
    yield f"{ours}.weight", f"{scope}/{weights}_dequant", "as is"
    if bias is not None:
        yield f"{ours}.bias", f"{scope}/{bias}_dequant", "as is"


def _style_norm(ours: str, scope: str) -> Sources:
    # Magenta's style_normalization_activations: beta is the first 1×1 conv, gamma the second.
    for name, conv in (("beta", "Conv"), ("gamma", "Conv_1")):
        base = f"style_params/{scope}/StyleNorm/{conv}"
        yield f"{ours}.{name}.weight", f"{base}/weights_dequant", "1x1"
        yield f"{ours}.{name}.bias", f"{base}/Conv2D_bias_dequant", "as is"


def predictor_sources() -> Sources:
    """Where each :class:`StylePredictor` parameter is in ``arbitrary_predict.onnx``."""
    yield from _conv("stem", "MobilenetV2/Conv")
    for index in range(17):
        scope = "MobilenetV2/expanded_conv" + (f"_{index}" if index else "")
        if index:
            yield from _conv(f"blocks.{index}.expand", f"{scope}/expand")
        yield from _conv(
            f"blocks.{index}.depthwise", f"{scope}/depthwise", "depthwise_weights", "depthwise_bias"
        )
        yield from _conv(f"blocks.{index}.project", f"{scope}/project")
    yield from _conv("head", "MobilenetV2/Conv_1")
    yield "bottleneck.weight", "mobilenet_conv/Conv/weights_dequant", "1x1"
    yield "bottleneck.bias", "mobilenet_conv/Conv/Conv2D_bias_dequant", "as is"


def transformer_sources() -> Sources:
    """Where each :class:`StyleTransformer` parameter is in ``arbitrary_transform.onnx``."""
    for index in range(3):
        yield from _conv(f"contract.{index}.conv", f"transformer/contract/conv{index + 1}")
    for block in range(5):
        for index, ours in enumerate(("first", "second")):
            scope = f"transformer/residual/residual{block + 1}/conv{index + 1}"
            yield from _conv(f"residual.{block}.{ours}.conv", scope, bias=None)
            yield from _style_norm(f"residual.{block}.{ours}.norm", scope)
    for index in range(3):
        scope = f"transformer/expand/conv{index + 1}/conv"
        yield from _conv(f"expand.{index}.conv", scope, bias=None)
        yield from _style_norm(f"expand.{index}.norm", scope)


def multistyle_sources() -> Sources:
    """Where each :class:`MultiStyle26` parameter is in ``multistyle26.onnx``."""
    sites = [(f"contract.{i}", f"contract.{i}") for i in range(3)]
    sites += [(f"residual.{b}.{ours}", f"res.{b}.{i}") for b in range(6)
              for i, ours in enumerate(("first", "second"))]  # fmt: skip
    sites += [(f"expand.{i}", f"expand.{i}") for i in range(3)]
    for ours, theirs in sites:
        yield f"{ours}.conv.weight", f"{theirs}.w", "as is"
        yield f"{ours}.norm.gamma.weight", f"{theirs}.norm.gamma", "transpose"
        yield f"{ours}.norm.beta.weight", f"{theirs}.norm.beta", "transpose"


_RESHAPES = {
    "as is": lambda array: array,
    "1x1": lambda array: array.reshape(array.shape[0], -1),  # (C, D, 1, 1) conv → Linear
    "transpose": lambda array: array.T,  # (26, C) rows → Linear's (C, 26)
}


def load_into(
    module: nn.Module, constants: Mapping[str, np.ndarray], sources: Sources, path: str | Path
) -> nn.Module:
    """Copy the ONNX tensors into ``module``'s parameters, checking names and shapes.

    Raises:
        WeightsError: A tensor is missing or has the wrong shape; the message names the
            file and the tensor.
    """
    expected = module.state_dict()
    state: dict[str, torch.Tensor] = {}
    for ours, theirs, reshape in sources:
        if theirs not in constants:
            raise WeightsError(f"{path}: tensor {theirs!r} is missing")
        array = _RESHAPES[reshape](constants[theirs])
        if tuple(array.shape) != tuple(expected[ours].shape):
            raise WeightsError(
                f"{path}: tensor {theirs!r} has shape {tuple(array.shape)}, "
                f"{ours} needs {tuple(expected[ours].shape)}"
            )
        state[ours] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    module.load_state_dict(state)  # strict: a parameter without a source is our bug
    return module
