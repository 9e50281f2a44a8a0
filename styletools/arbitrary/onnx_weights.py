"""Read an ONNX file's constant tensors as float32 arrays, dequantising int8 weights.

The arbitrary-style files keep Magenta's TFLite weights as int8 behind ``DequantizeLinear``
nodes (per-channel scale and zero point). We evaluate those nodes once, here, in numpy, so
the torch networks hold plain float32 parameters and never see ONNX. The activations'
quantise/dequantise pairs are not constants and are left out: our networks run in float.

``onnx`` is imported inside the functions so that ``import styletools`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from styletools.errors import WeightsError

if TYPE_CHECKING:
    import onnx


def read_constants(path: str | Path) -> dict[str, np.ndarray]:
    """Every float initializer and every constant ``DequantizeLinear`` output, by tensor name.

    Args:
        path: An ONNX file (already checksum-verified by the caller).

    Returns:
        float32 arrays keyed by ONNX tensor name: float initializers under their own
        name, dequantised weights under the name of the ``DequantizeLinear`` output
        (e.g. ``transformer/contract/conv1/weights_dequant``, shape ``(8, 3, 9, 9)``).

    Raises:
        WeightsError: The file cannot be read or parsed as ONNX.
    """
    graph = _load_model(Path(path)).graph
    from onnx import numpy_helper

    initializers = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    constants = {
        name: array.astype(np.float32)
        for name, array in initializers.items()
        if array.dtype.kind == "f"
    }
    for node in graph.node:
        inputs = [name for name in node.input if name]
        if node.op_type == "DequantizeLinear" and all(name in initializers for name in inputs):
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            constants[node.output[0]] = dequantize(*(initializers[n] for n in inputs), axis=axis)
    return constants


def _load_model(path: Path) -> onnx.ModelProto:
    try:
        import onnx
        from google.protobuf.message import DecodeError
    except ModuleNotFoundError:
        raise WeightsError(
            f"{path}: reading ONNX weights needs the onnx package: pip install onnx"
        ) from None

    try:
        return onnx.load(str(path), load_external_data=False)
    except (OSError, DecodeError, ValueError) as error:
        raise WeightsError(f"{path}: not a readable ONNX file ({error})") from None


def dequantize(
    values: np.ndarray,
    scale: np.ndarray,
    zero_point: np.ndarray | None = None,
    *,
    axis: int = 1,
) -> np.ndarray:
    """ONNX ``DequantizeLinear``: ``(values - zero_point) * scale``, as float32.

    Args:
        values: Quantised integers (int8 weights, int32 biases), any shape.
        scale: A scalar, or one scale per slice along ``axis`` (per-channel quantisation).
        zero_point: Same shape as ``scale``; zero when absent.
        axis: The axis that a per-channel ``scale`` runs along (ONNX's default is 1).

    Returns:
        float32 array of ``values``' shape. Computed in float64: int32 biases exceed
        float32's 24-bit mantissa.

    >>> dequantize(np.array([[-128, 127]], np.int8), np.array([0.5]), np.array([-128]), axis=0)
    array([[  0. , 127.5]], dtype=float32)
    """
    zero = np.zeros_like(scale) if zero_point is None else zero_point
    if np.ndim(scale) == 1 and values.ndim > 0:
        shape = [1] * values.ndim
        shape[axis] = -1
        scale, zero = np.reshape(scale, shape), np.reshape(zero, shape)
    result = (values.astype(np.float64) - zero.astype(np.float64)) * scale.astype(np.float64)
    return result.astype(np.float32)
