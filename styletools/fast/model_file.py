"""The ``.stm`` model file: a trained network that says what it is.

A safetensors file (tensors only, no pickle: loading cannot run code) whose string metadata
records everything needed to trust and rebuild the model: the architecture, the painting's
sha256, the training settings, the styletools version, and the license of the VGG19
weights whose features trained it (the network is derived from them).
"""

from __future__ import annotations

import copy
import json
import struct
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch

from styletools.errors import StyletoolsError
from styletools.fast.network import TransformerNet
from styletools.images import atomic_write

#: The ``format`` metadata value every styletools model carries.
FORMAT = "styletools-fast-model"
FORMAT_VERSION = 1
#: Conventional suffix (any name loads; the content decides).
SUFFIX = ".stm"
#: A header larger than this is not one of ours (ours are ~2 kB); refuse before reading it.
_MAX_HEADER = 1 << 20


class ModelFileError(StyletoolsError):
    """A file is not a styletools model, is truncated, or does not fit its own metadata.

    Args:
        path: The file concerned.
        reason: What is wrong, in a user's words.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class ModelInfo:
    """What a model file records about its network and its training.

    Attributes:
        width: The network's first-layer channels (see :class:`TransformerNet`).
        residual_blocks: Its residual blocks.
        painting: The painting's file name, for people.
        painting_sha256: The painting's sha256, to know exactly which image trained it.
        strength: The strength knob it was trained with (see ``styletools.config``).
        size: Training crop side in px.
        steps: Optimiser steps taken.
        batch: Crops per step.
        photos: Number of usable training photos.
        seed: Seed of the crops and data order.
        styletools_version: The version that trained it.
        vgg_weights: Id of the VGG19 weights of the loss.
        vgg_license: Their license, from ``weights/manifest.toml``.
        vgg_attribution: Their attribution, from the same manifest.
    """

    width: int
    residual_blocks: int
    painting: str
    painting_sha256: str
    strength: float
    size: int
    steps: int
    batch: int
    photos: int
    seed: int
    styletools_version: str
    vgg_weights: str
    vgg_license: str
    vgg_attribution: str

    def to_metadata(self) -> dict[str, str]:
        """String metadata for safetensors (its header holds only strings)."""
        return {
            "format": FORMAT,
            "format_version": str(FORMAT_VERSION),
            "info": json.dumps(asdict(self), sort_keys=True),
        }

    @classmethod
    def from_metadata(cls, metadata: dict[str, str], path: Path) -> ModelInfo:
        """Read the metadata back; a missing or foreign field is a :class:`ModelFileError`."""
        if metadata.get("format") != FORMAT:
            raise ModelFileError(path, "not a styletools model (no styletools metadata)")
        if metadata.get("format_version") != str(FORMAT_VERSION):
            raise ModelFileError(
                path, f"model format {metadata.get('format_version')!r} is not supported "
                f"(this styletools reads {FORMAT_VERSION})",
            )  # fmt: skip
        try:
            values = json.loads(metadata["info"])
            return cls(**{f.name: values[f.name] for f in fields(cls)})
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(path, f"damaged model metadata ({error})") from None


@dataclass
class FastModel:
    """A trained network with its record; ``net`` is in eval mode on the CPU when loaded."""

    net: TransformerNet
    info: ModelInfo


def save_model(model: FastModel, path: str | Path) -> Path:
    """Write a model file atomically (a reader sees the old file or the new one, never half).

    Raises:
        ImageError: The destination cannot be written.
    """
    from safetensors.torch import save

    tensors = {k: v.detach().cpu().contiguous() for k, v in model.net.state_dict().items()}
    data = _canonical(save(tensors, metadata=model.info.to_metadata()))
    atomic_write(path, lambda handle: handle.write(data))
    return Path(path)


def _canonical(data: bytes) -> bytes:
    """The same file with its JSON header's keys sorted.

    safetensors writes the metadata from a Rust hash map, whose order changes from run to run,
    so two trainings with identical weights gave files with different sha256s. The tensor
    offsets are relative to the end of the header, so only the header is rewritten (padded
    with spaces to 8 bytes, as safetensors pads it).
    """
    (length,) = struct.unpack("<Q", data[:8])
    header = json.dumps(json.loads(data[8 : 8 + length]), sort_keys=True, separators=(",", ":"))
    encoded = header.encode() + b" " * (-len(header.encode()) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + data[8 + length :]


def load_model(path: str | Path) -> FastModel:
    """Read a model file and rebuild its network (eval mode, CPU, float32).

    Raises:
        ModelFileError: The file is missing, is not a styletools model, is truncated, or its
            tensors do not fit the architecture its metadata declares.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    path = Path(path)
    data = _read(path)
    info = ModelInfo.from_metadata(_header(data, path).get("__metadata__") or {}, path)
    try:
        state = load(data)
    except SafetensorError as error:
        raise ModelFileError(path, f"damaged model file ({error})") from None
    net = TransformerNet(info.width, info.residual_blocks)
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first = str(error).strip().splitlines()[-1].strip()
        raise ModelFileError(path, f"tensors do not fit the declared network ({first})") from None
    return FastModel(net.eval(), info)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(path, "no such model file") from None
    except IsADirectoryError:
        raise ModelFileError(path, "is a folder, not a model file") from None
    except OSError as error:
        raise ModelFileError(path, f"cannot read ({error.strerror or error})") from None


def _header(data: bytes, path: Path) -> dict[str, dict[str, str]]:
    """The safetensors JSON header, checked against the file's length before anything else.

    A safetensors file is an 8-byte little-endian header length, a JSON header, then the
    tensor bytes; the header's last offset must be the end of the file, so a cut-off
    download is found here with a clear message.
    """
    not_model = ModelFileError(path, "not a styletools model file (not safetensors data)")
    if len(data) < 8:
        raise not_model
    (length,) = struct.unpack("<Q", data[:8])
    if length > _MAX_HEADER:
        raise not_model
    if 8 + length > len(data):
        raise ModelFileError(path, "truncated model file (the header is cut off)")
    try:
        header = json.loads(data[8 : 8 + length])
    except (UnicodeDecodeError, ValueError):
        raise not_model from None
    if not isinstance(header, dict):
        raise not_model
    try:
        ends = [int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"]
    except (KeyError, TypeError, ValueError, IndexError):
        raise not_model from None
    if 8 + length + max(ends, default=0) > len(data):
        raise ModelFileError(path, f"truncated model file ({len(data):,} bytes)")
    return header


def describe(info: ModelInfo) -> str:
    """One line for people: what the model paints and how it was trained."""
    return (
        f"{info.painting} (sha256 {info.painting_sha256[:12]}…), strength {info.strength}, "
        f"{info.size} px, {info.steps} steps × {info.batch}, width {info.width}; "
        f"VGG19 features {info.vgg_weights} ({info.vgg_license})"
    )


def to_device(model: FastModel, device: torch.device) -> TransformerNet:
    """A copy of the network on ``device`` (the loaded model stays on the CPU)."""
    return copy.deepcopy(model.net).to(device)
