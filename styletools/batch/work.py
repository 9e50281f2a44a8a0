"""The per-file work function: one :class:`WorkItem` in, one :class:`OutputRecord` out.

:func:`process_item` is pure in the sense that matters for scaling out: it reads only its
item, writes only its own output (atomically) and returns a plain record, so any map
engine (this package's process pool, or later Ray Data's ``map``) can run it unchanged.

Reproducibility: the parameters of an output are drawn from a generator seeded by
``sha256(f"{seed}:{source_rel}:{copy}")``, so they do not depend on worker count, order, or
which other files exist. The drawn parameters are recorded; replay applies them instead of
drawing.

Masks: an item with a mask file gives it to the style steps (``Tool.masked``), which keep
the input where it is black. The record names the mask and its sha256, so an output can be
traced to the exact mask it was made with. A missing or unreadable mask fails the item
(unless the item's mask is optional and the file is missing), with a reason that names it.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from typing import Any

import torch
from PIL import Image

from styletools.batch.formats import LOSSY_FORMATS
from styletools.batch.plan import WorkItem
from styletools.errors import ConfigError, ImageError, StyletoolsError
from styletools.images import atomic_write, open_decoded, open_image, to_pil, to_tensor
from styletools.masks import open_mask

#: How far a mask's width/height ratio may stray from its image's (as the core's note says):
#: a mask of other proportions belongs to another image, and stretching it would hide that.
PROPORTION_TOLERANCE = 0.01

OK = "ok"
FAILED = "failed"


@dataclass(frozen=True)
class OutputRecord:
    """What happened to one output: one manifest line.

    Attributes:
        source: The input, relative to SRC (POSIX).
        output: The output, relative to DEST (POSIX).
        copy: Copy index.
        seed: The run seed.
        item_seed: The seed of this output's generator (derived, see :func:`item_seed`).
        status: ``ok`` or ``failed``.
        sha256: Hex digest of the output file (``None`` when failed).
        steps: Per step ``{"tool", "config", "params"}``, ``params`` as drawn.
        size: Output ``[width, height]`` (``None`` when failed).
        format: Pillow format of the output.
        error: Why it failed, one line (``None`` when ok).
        mask: The mask file relative to SRC (``None``: made without a mask).
        mask_sha256: Hex digest of the mask file (``None`` when failed or without a mask).
    """

    source: str
    output: str
    copy: int
    seed: int
    item_seed: int
    status: str
    sha256: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    size: list[int] | None = None
    format: str | None = None
    error: str | None = None
    mask: str | None = None
    mask_sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data; :meth:`from_json` reads it back.

        Shallow on purpose: ``dataclasses.asdict`` deep-copies the step parameters and
        cost more per image than the colour tool.
        """
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutputRecord:
        """Read a record written by :meth:`to_json` (unknown keys are ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in names})


def item_seed(seed: int, source_rel: str, copy: int) -> int:
    """A 64-bit seed for one output, from the run seed, the input's relative path and copy.

    >>> item_seed(42, "cats/a.jpg", 0) == item_seed(42, "cats/a.jpg", 0)
    True
    """
    digest = hashlib.sha256(f"{seed}:{source_rel}:{copy}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def process_item(item: WorkItem) -> OutputRecord:
    """Make one output: open, draw (or replay) the parameters, apply, encode, write atomically.

    Errors a bad input can cause (unreadable, truncated, too many pixels, a parameter a tool
    refuses) become a ``failed`` record, so a batch goes on; anything else is a bug and raises.

    Args:
        item: The output to make.

    Returns:
        The record for the manifest.
    """
    seed = item_seed(item.seed, item.source_rel, item.copy)
    base = {"source": item.source_rel, "output": item.output_rel, "copy": item.copy,
            "seed": item.seed, "item_seed": seed, "format": item.fmt, "mask": item.mask_rel}
    try:
        image, steps, mask = _transform(item, torch.Generator().manual_seed(seed))
        data = encode(image, item.fmt, item.quality)
        atomic_write(item.output, lambda handle: handle.write(data))
    except StyletoolsError as error:
        reason = error.reason if isinstance(error, ImageError) else str(error)
        return OutputRecord(**base, status=FAILED, error=reason)
    digest = hashlib.sha256(data).hexdigest()
    return OutputRecord(**{**base, **mask}, status=OK, sha256=digest, steps=steps,
                        size=list(image.size))


def _transform(
    item: WorkItem, generator: torch.Generator
) -> tuple[Image.Image, list[dict[str, Any]], dict[str, str | None]]:
    """Run the tools on the item's image.

    Returns:
        The result, the per-step record and the record's mask fields.
    """
    if item.drawn is not None and len(item.drawn) != len(item.steps):
        raise ConfigError(
            f"{item.output_rel}: {len(item.drawn)} recorded parameter sets "
            f"for {len(item.steps)} steps"
        )
    images = to_tensor(open_image(item.source, max_pixels=item.max_pixels)).to(item.device)
    masks, recorded = open_item_mask(item, (images.shape[-2], images.shape[-1]))
    masks = masks.to(item.device) if masks is not None else None
    steps = []
    for index, tool in enumerate(item.steps):
        if item.drawn is None:
            drawn = tool.make_params(images, generator=generator)
        else:
            drawn = [item.drawn[index]]
        images = tool.apply(images, drawn, masks=masks if tool.masked else None)
        steps.append({"tool": tool.name, "config": tool.config(), "params": drawn[0]})
    return to_pil(images), steps, recorded


def open_item_mask(
    item: WorkItem, size: tuple[int, int]
) -> tuple[torch.Tensor | None, dict[str, str | None]]:
    """The item's mask at its image's ``(height, width)``, and what its record says of it.

    A mask of the image's proportions but another size (a segmentation network's output)
    is resized (:func:`styletools.masks.open_mask`); one of other proportions is refused.

    Returns:
        ``(mask, fields)``: the ``(1, 1, H, W)`` mask in [0, 1], or ``None`` for none, and
        the record's ``mask``/``mask_sha256``.

    Raises:
        ImageError: The mask is missing (and not optional), not an image, too large, or of
            other proportions; the reason starts with ``mask <path relative to SRC>:``.
    """
    if item.mask is None:
        return None, {}
    if item.mask_optional and not os.path.lexists(item.mask):
        return None, {"mask": None}
    digest = file_sha256(item.mask)
    try:
        picture = open_decoded(item.mask, max_pixels=item.max_pixels)
        _check_proportions(item.mask, picture.size, size)
        mask, _ = open_mask(picture, size)
    except ImageError as error:
        raise ImageError(item.source, f"mask {item.mask_rel}: {error.reason}") from None
    return mask, {"mask": item.mask_rel, "mask_sha256": digest}


def _check_proportions(path: str, mask_size: tuple[int, int], size: tuple[int, int]) -> None:
    (width, height), (image_height, image_width) = mask_size, size
    ratio = image_width / image_height
    if abs(width / height - ratio) > PROPORTION_TOLERANCE * ratio:
        raise ImageError(path, f"{width}x{height} px, not the proportions of the "
                               f"{image_width}x{image_height} px image")


def encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    """Encode in memory, so the bytes are hashed once and written once.

    ``quality`` applies to the lossy formats only, so one ``--quality`` serves a folder
    of mixed JPEG and PNG inputs.
    """
    options = {"quality": quality} if quality is not None and fmt in LOSSY_FORMATS else {}
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def file_sha256(path: str) -> str | None:
    """Hex sha256 of a file, or ``None`` when it cannot be read (missing, unreadable)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None
