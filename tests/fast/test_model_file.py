"""The .stm file: round trip, self-description, and one clear line for every bad file."""

from __future__ import annotations

import json
import struct
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from styletools.errors import StyletoolsError
from styletools.fast.model_file import FastModel, ModelFileError, load_model, save_model
from styletools.fast.network import TransformerNet

from .conftest import INFO, tiny_network


def test_round_trip_keeps_weights_record_and_outputs(model_path):
    original = tiny_network()
    loaded = load_model(model_path)
    assert loaded.info == INFO and not loaded.net.training
    for name, tensor in original.state_dict().items():
        assert torch.equal(loaded.net.state_dict()[name], tensor), name
    image = torch.rand(1, 3, 21, 13)
    with torch.no_grad():
        assert torch.equal(loaded.net(image), original(image))


def test_metadata_is_plain_safetensors(model_path):
    # Any safetensors reader sees the record: the format is not ours alone.
    from safetensors import safe_open

    with safe_open(str(model_path), framework="pt") as handle:
        metadata = handle.metadata()
    assert metadata["format"] == "styletools-fast-model"
    assert json.loads(metadata["info"])["vgg_license"] == "CC BY 4.0"


def test_same_model_gives_the_same_bytes(tmp_path, model_path):
    # safetensors orders the header from a hash map; the file must not depend on that order.
    again = save_model(load_model(model_path), tmp_path / "again.stm")
    data = again.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    assert list(header) == sorted(header)
    assert list(header["__metadata__"]) == sorted(header["__metadata__"])
    assert length % 8 == 0 and data == model_path.read_bytes()


def _one_line_error(path: Path, match: str) -> None:
    with pytest.raises(ModelFileError, match=match) as caught:
        load_model(path)
    assert isinstance(caught.value, StyletoolsError) and "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "not a styletools model"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a styletools model"),
        (b"just some text, long enough to have a header length", "not a styletools model"),
        (struct.pack("<Q", 8) + b"[1, 2]  ", "not a styletools model"),
    ],
    ids=["empty", "png", "text", "json-not-object"],
)
def test_not_a_model_is_one_line(tmp_path, content, match):
    path = tmp_path / "bad.stm"
    path.write_bytes(content)
    _one_line_error(path, match)


def test_other_safetensors_file_is_not_a_model(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3)}, str(path))
    _one_line_error(path, "not a styletools model")


@pytest.mark.parametrize("keep", [4, 12, 0.5, -1], ids=["in-length", "in-header", "half", "-1"])
def test_truncated_file_is_one_line(tmp_path, model_path, keep):
    data = model_path.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    path = tmp_path / "cut.stm"
    path.write_bytes(data[:cut])
    _one_line_error(path, "truncated|not a styletools model")


def test_missing_and_folder_are_one_line(tmp_path):
    _one_line_error(tmp_path / "absent.stm", "no such model file")
    _one_line_error(tmp_path, "is a folder")


def test_tensors_that_do_not_fit_the_record(tmp_path):
    path = tmp_path / "liar.stm"
    save_model(FastModel(TransformerNet(4, 1), replace(INFO, width=8)), path)
    _one_line_error(path, "do not fit")


def test_newer_format_is_refused_by_name(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "future.stm"
    metadata = {**INFO.to_metadata(), "format_version": "99"}
    save_file(TransformerNet(4, 1).state_dict(), str(path), metadata=metadata)
    _one_line_error(path, "format '99' is not supported")
