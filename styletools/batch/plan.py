"""Plan a batch: walk SRC, and name every output before anything is computed.

The plan is plain data: one :class:`WorkItem` per output, each carrying everything its
computation needs (input, output, seed, tools, encoding). Running a plan is then a map of
:func:`styletools.batch.work.process_item` over the items, by one process, a pool, or later
a distributed engine, and the result of one item never depends on the others.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from styletools.batch.formats import output_format_for, readable_format
from styletools.batch.mask_files import (
    MaskPattern,
    check_masked_pipeline,
    parse_mask_pattern,
    split_masks,
)
from styletools.batch.pipeline import pipeline_to_json
from styletools.errors import ConfigError
from styletools.images import DEFAULT_MAX_PIXELS
from styletools.tools import SampleParams, Tool

#: Files at the top of SRC belong to no class folder; plans count them under this name.
ROOT_CLASS = "."


@dataclass(frozen=True)
class BatchSettings:
    """How every output of a batch is made.

    Attributes:
        steps: The configured tools, applied in order.
        seed: The run seed; each output's generator is derived from it (see ``item_seed``).
        copies: Outputs per input.
        fmt: Output format (a key of ``RGB_FORMATS``), or ``None`` for "same as the input".
        quality: Encoder quality for lossy formats, or ``None`` for Pillow's default.
        device: Where tensor work runs (``cpu``, ``cuda``...).
        max_pixels: Inputs with more pixels are refused as likely decompression bombs.
        mask_pattern: Each input's mask file, relative to the input's folder
            (:mod:`~styletools.batch.mask_files`), or ``None`` for no masks.
        mask_optional: An input whose mask file is missing is stylised whole instead of
            failing. Off by default: a missing mask is most often a broken export, and a
            dataset whose background was meant to stay a photo must not quietly get some
            painted ones.
    """

    steps: tuple[Tool, ...]
    seed: int = 0
    copies: int = 1
    fmt: str | None = None
    quality: int | None = None
    device: str = "cpu"
    max_pixels: int = DEFAULT_MAX_PIXELS
    mask_pattern: str | None = None
    mask_optional: bool = False

    def recorded(self) -> dict[str, Any]:
        """The settings that decide an output's bytes; a resumed run must match them.

        ``mask_optional`` is not among them: it only decides whether an input without a
        mask fails or is made, and each record says which mask, if any, it used.
        """
        return {
            "pipeline": pipeline_to_json(self.steps),
            "seed": self.seed,
            "format": self.fmt,
            "quality": self.quality,
            "mask_pattern": self.mask_pattern,
        }


@dataclass(frozen=True)
class WorkItem:
    """One output to make: self-contained, picklable, independent of every other item.

    Attributes:
        source: The input file (absolute).
        source_rel: The input relative to SRC, POSIX form; part of the seed and the manifest.
        output: The output file (absolute).
        output_rel: The output relative to DEST, POSIX form.
        copy: Copy index, from 0.
        seed: The run seed.
        steps: The configured tools.
        fmt: Pillow format of the output.
        quality: Encoder quality, or ``None``.
        device: Where tensor work runs.
        max_pixels: Pixel cap for the input.
        drawn: Recorded parameters per step (replay), or ``None`` to draw them.
        mask: The mask file (absolute, normalised), or ``None`` for no mask.
        mask_rel: The mask relative to SRC, POSIX form (``../`` when outside SRC).
        mask_optional: A missing mask file makes the output without a mask instead of
            failing it.
    """

    source: str
    source_rel: str
    output: str
    output_rel: str
    copy: int
    seed: int
    steps: tuple[Tool, ...]
    fmt: str
    quality: int | None = None
    device: str = "cpu"
    max_pixels: int = DEFAULT_MAX_PIXELS
    drawn: tuple[SampleParams, ...] | None = None
    mask: str | None = None
    mask_rel: str | None = None
    mask_optional: bool = False


@dataclass(frozen=True)
class Plan:
    """Every output of a batch, in a stable order (input path, then copy).

    Attributes:
        src: The input folder.
        dest: The output folder.
        settings: How outputs are made.
        items: One per output.
        ignored: Files under SRC (relative) whose suffix names no format Pillow reads.
        masks: Images under SRC (relative) that match the mask pattern: masks, not inputs.
    """

    src: Path
    dest: Path
    settings: BatchSettings
    items: tuple[WorkItem, ...]
    ignored: tuple[str, ...] = ()
    masks: tuple[str, ...] = ()

    def inputs_per_class(self) -> dict[str, int]:
        """Number of input files per top-level folder of SRC (ImageFolder classes)."""
        sources = {item.source_rel for item in self.items}
        counts = Counter(class_of(source) for source in sources)
        return dict(sorted(counts.items()))


def class_of(relative: str) -> str:
    """The class (top-level folder) of a path relative to SRC; :data:`ROOT_CLASS` at the top."""
    parts = PurePosixPath(relative).parts
    return parts[0] if len(parts) > 1 else ROOT_CLASS


def check_folders(src: Path, dest: Path) -> tuple[Path, Path]:
    """Resolve SRC and DEST and refuse any overlap, so a batch never writes into SRC.

    Raises:
        ConfigError: SRC is not a folder, or DEST is SRC, inside it, or contains it.
    """
    src_abs, dest_abs = src.resolve(), dest.resolve()
    if not src_abs.is_dir():
        raise ConfigError(f"{src}: SRC is not a folder")
    if dest_abs == src_abs or dest_abs.is_relative_to(src_abs):
        raise ConfigError(f"{dest}: DEST is inside SRC {src}; choose a folder outside SRC")
    if src_abs.is_relative_to(dest_abs):
        raise ConfigError(f"{dest}: DEST contains SRC {src}; choose a folder outside SRC")
    return src_abs, dest_abs


def walk_images(src: Path) -> tuple[list[Path], list[Path]]:
    """Find the images under ``src``, recursively, in a stable order, skipping hidden entries.

    Returns:
        ``(images, ignored)``: relative paths of readable-format files and of the others.
    """
    images: list[Path] = []
    ignored: list[Path] = []
    for folder, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            relative = Path(folder, name).relative_to(src)
            (images if readable_format(relative) else ignored).append(relative)
    return images, ignored


def output_name(relative: Path, copy: int, suffix: str) -> Path:
    """``<stem>__<copy><suffix>`` beside the input's relative folder: deterministic."""
    return relative.with_name(f"{relative.stem}__{copy}{suffix}")


def make_plan(src: Path, dest: Path, settings: BatchSettings) -> Plan:
    """Walk SRC and name every output.

    Raises:
        ConfigError: Folders overlap, settings are out of range, two inputs would write
            the same output (``a.jpg`` and ``a.png`` with ``--format png``), or the mask
            pattern is malformed or cannot apply to the pipeline.
    """
    _check_settings(settings)
    pattern = _mask_pattern(settings)
    src_abs, dest_abs = check_folders(src, dest)
    images, ignored = walk_images(src_abs)
    images, masks = split_masks(images, pattern) if pattern is not None else (images, [])
    items = tuple(
        _item(src_abs, dest_abs, relative, copy, settings, pattern)
        for relative in images
        for copy in range(settings.copies)
    )
    _refuse_collisions(items)
    return Plan(src_abs, dest_abs, settings, items, tuple(p.as_posix() for p in ignored),
                tuple(p.as_posix() for p in masks))


def _mask_pattern(settings: BatchSettings) -> MaskPattern | None:
    if settings.mask_pattern is None:
        if settings.mask_optional:
            raise ConfigError("--mask-optional: give --mask-pattern too")
        return None
    check_masked_pipeline(settings.steps)
    return parse_mask_pattern(settings.mask_pattern)


def _item(
    src: Path,
    dest: Path,
    relative: Path,
    copy: int,
    settings: BatchSettings,
    pattern: MaskPattern | None,
) -> WorkItem:
    fmt, suffix = output_format_for(relative, settings.fmt)
    output_rel = output_name(relative, copy, suffix)
    mask_rel = pattern.mask_for(relative) if pattern is not None else None
    return WorkItem(
        source=str(src / relative),
        source_rel=relative.as_posix(),
        output=str(dest / output_rel),
        output_rel=output_rel.as_posix(),
        copy=copy,
        seed=settings.seed,
        steps=settings.steps,
        fmt=fmt,
        quality=settings.quality,
        device=settings.device,
        max_pixels=settings.max_pixels,
        mask=os.path.normpath(src / mask_rel) if mask_rel is not None else None,
        mask_rel=mask_rel,
        mask_optional=settings.mask_optional,
    )


def _check_settings(settings: BatchSettings) -> None:
    if settings.copies < 1:
        raise ConfigError(f"--copies {settings.copies}: expected an integer >= 1")
    if settings.quality is not None and not 1 <= settings.quality <= 100:
        raise ConfigError(f"--quality {settings.quality}: expected an integer in [1, 100]")
    if settings.max_pixels < 1:
        raise ConfigError(f"--max-pixels {settings.max_pixels}: expected an integer >= 1")
    if not settings.steps:
        raise ConfigError("pipeline: no steps; give --ops or --pipeline")


def _refuse_collisions(items: tuple[WorkItem, ...]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        other = seen.setdefault(item.output_rel.lower(), item.source_rel)
        if other != item.source_rel:
            raise ConfigError(
                f"{item.source_rel}: output {item.output_rel} is also made from {other}; "
                "rename one of them or keep the input formats (--format same)"
            )
