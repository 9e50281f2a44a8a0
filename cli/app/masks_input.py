"""Painted regions: an image editor over the photo with one layer per painting, and its value
turned into the core's masks (see :mod:`styletools.masks`).

The artist paints on layer *i* where painting *i* goes. A layer is a stroke on a transparent
sheet, so its alpha is the mask (the core's :func:`~styletools.masks.mask_from_image`); an
API client may send opaque grey masks as the layers instead, white where the painting goes.
Nothing painted on any layer means no masks: a plain transfer.

Shape:
    Masks are float32 ``(1, 1, H, W)`` in [0, 1], at the photo's working size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any, BinaryIO

import gradio as gr
import torch
from gradio.components.image_editor import EditorData, EditorValue
from PIL import Image
from styletools_cli.app.support import check_header, upload_errors

from styletools import images
from styletools.masks import check_masks, feather, is_empty, mask_from_image, resize_mask
from styletools.params import param, param_specs


@dataclass(frozen=True)
class RegionParams:
    """The app's own knob for painted regions, declared once: the slider and its API
    parameter are generated from it."""

    feather: float = param(
        0.0, min=0.0, max=32.0, unit="px",
        help="soft brush: blur the painted edges over this many pixels of the result "
             "(Gradio's brush paints hard edges)",
    )


FEATHER = param_specs(RegionParams)[0]
#: Long side of the photo's copy the regions are painted on: a stroke is posted as whole-canvas
#: PNGs, so the canvas stays light whatever the photo's size (the masks are resized to the
#: photo's working size in any case).
CANVAS_SIDE = 768
#: The brush's radius on that canvas: regions are broad, Gradio's automatic size (1/50 of the
#: short side) is a pencil.
BRUSH_RADIUS = 20
#: The brush paints white, so a layer painted edge to edge (opaque, no alpha left to read)
#: still reads as a full mask by its grey level; the half-transparent white is half strength.
BRUSH_COLORS: list[str | tuple[str, float]] = [("#ffffff", 1.0), ("#ffffff", 0.5)]


def layer_names(styles: Sequence[Any] | None) -> list[str]:
    """One layer per painting, in the paintings' order (one before any painting is added)."""
    return [f"Painting {index}" for index in range(1, max(1, len(styles or ())) + 1)]


def region_layers(styles: Sequence[Any] | None) -> gr.LayerOptions:
    """The editor's layers for ``styles``: exactly one per painting, no extra ones."""
    return gr.LayerOptions(layers=layer_names(styles), allow_additional_layers=False)


def region_editor(*, max_pixels: int, elem_id: str) -> gr.ImageEditor:
    """The editor the regions are painted in, over the photo (set by the photo's upload).

    No upload, crop or resize of its own: the layers must stay aligned with the photo. Its
    layers pass the server's pixel cap from their headers before Gradio decodes them (their
    bytes pass Gradio's upload-size cap on the way in). Like :func:`~styletools_cli.app.
    support.upload_image`, ``preprocess`` is wrapped on the instance.
    """
    editor = gr.ImageEditor(
        label="Regions: layer 1 is painting 1, layer 2 painting 2…", type="pil",
        image_mode="RGBA", sources=[], transforms=[], layers=region_layers(None),
        brush=gr.Brush(default_size=BRUSH_RADIUS, colors=BRUSH_COLORS, color_mode="fixed"),
        eraser=gr.Eraser(default_size=BRUSH_RADIUS),
        elem_id=elem_id, height=420,
    )
    plain = editor.preprocess

    def preprocess(payload: EditorData | None) -> EditorValue | None:
        with upload_errors("regions"):
            for source in _sources(editor, payload):
                check_header(source, max_pixels=max_pixels, name="regions")
            return plain(payload)

    editor.preprocess = preprocess  # type: ignore[method-assign]
    return editor


def canvas_photo(path: str, *, max_pixels: int) -> Image.Image:
    """The photo as the editor's background: upright RGB, at most :data:`CANVAS_SIDE` px.

    Raises:
        ImageError: Not an image, or more pixels than ``max_pixels``.
    """
    photo = images.open_image(path, max_pixels=max_pixels)
    photo.thumbnail((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.LANCZOS)
    return photo


def _sources(editor: gr.ImageEditor, payload: EditorData | None) -> list[str | BinaryIO]:
    """The images in an editor payload: uploaded files, or the blobs the browser sent on a
    change (kept by the editor under the payload's id until preprocessing takes them)."""
    if payload is None:
        return []
    if payload.id is not None:
        blobs = editor.blob_storage.get(payload.id)
        parts = [] if blobs is None else [blobs.background, *blobs.layers, blobs.composite]
        return [BytesIO(part) for part in parts if part is not None]
    files = [payload.background, *payload.layers, payload.composite]
    return [file.path for file in files if file is not None]


def editor_masks(
    value: EditorValue | None, paintings: int, size: tuple[int, int], *, radius: float = 0.0
) -> list[torch.Tensor] | None:
    """The masks painted in the editor, one per painting, at the photo's ``(height, width)``.

    A layer left empty while others are painted is an all-zero mask: its painting takes no
    region. Layers of another size are resized to the photo (stretched if their proportions
    differ: the editor's own layers always have the photo's).

    Args:
        value: The editor's value (``type="pil"``); only its layers are read.
        paintings: How many paintings the transfer has.
        size: The photo's ``(height, width)`` at the working size.
        radius: Feather, in pixels of the result (see :func:`styletools.masks.feather`).

    Returns:
        The masks, or ``None`` when nothing is painted (no layers, or all empty).

    Raises:
        ConfigError: Something is painted but the layers are not one per painting.
    """
    drawn = [mask_from_image(layer) for layer in (value or {}).get("layers") or ()]
    if all(is_empty(mask) for mask in drawn):
        return None
    check_masks(drawn, paintings)
    return [feather(resize_mask(mask, size), radius) for mask in drawn]
