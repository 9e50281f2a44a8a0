"""Replay a manifest: remake its outputs from the recorded parameters, and compare.

Replay does not draw: each step gets the parameters the manifest recorded, so the result
is the recorded output byte for byte on the same software and device, wherever it is
written. Each output is remade with the mask its record names (none if it names none).
Outputs whose sha256 differs from the record are reported, never hidden.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from styletools.batch.engines import Engine
from styletools.batch.manifest import ManifestHeader, read_manifest
from styletools.batch.pipeline import pipeline_from_json
from styletools.batch.plan import WorkItem, check_folders
from styletools.batch.run import RecordCallback, choose_engine, dest_lock, remove_stale_temps
from styletools.batch.work import FAILED, OK, OutputRecord
from styletools.errors import ConfigError
from styletools.images import DEFAULT_MAX_PIXELS
from styletools.tools import ToolRegistry


@dataclass(frozen=True)
class ReplayPlan:
    """The outputs a replay remakes.

    Attributes:
        out: Where they are written.
        items: One per ``ok`` record, with its recorded parameters.
        expected: The recorded records, by output (relative).
    """

    out: Path
    items: tuple[WorkItem, ...]
    expected: dict[str, OutputRecord]


@dataclass(frozen=True)
class ReplayResult:
    """What a replay did.

    Attributes:
        records: The new records, in completion order.
        different: Outputs (relative) whose bytes differ from the recorded sha256.
        seconds: Wall time.
    """

    records: tuple[OutputRecord, ...]
    different: tuple[str, ...]
    seconds: float

    @property
    def failed(self) -> tuple[OutputRecord, ...]:
        """Records that failed this time."""
        return tuple(record for record in self.records if record.status == FAILED)


def plan_replay(
    manifest: Path,
    out: Path,
    registry: ToolRegistry,
    *,
    src: Path | None = None,
    device: str = "cpu",
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ReplayPlan:
    """Plan to remake every ``ok`` output of ``manifest`` into ``out``.

    Args:
        manifest: A batch manifest.
        out: Where to write (may be the original DEST).
        registry: Resolves the recorded tool names.
        src: The input folder, when it moved since the run (default: the recorded one).
        device: Where tensor work runs.
        max_pixels: Pixel cap for the inputs.


    Raises:
        ConfigError: The manifest is missing, damaged, or SRC and OUT overlap.
    """
    header, records = read_manifest(manifest, repair=False)
    if header is None:
        raise ConfigError(f"{manifest}: no such manifest")
    src_abs, out_abs = check_folders(Path(src or header.src), out)
    ok = {name: record for name, record in records.items() if record.status == OK}
    items = tuple(_item(record, header, src_abs, out_abs, registry, device, max_pixels)
                  for record in ok.values())
    return ReplayPlan(out_abs, items, ok)


def _item(
    record: OutputRecord,
    header: ManifestHeader,
    src: Path,
    out: Path,
    registry: ToolRegistry,
    device: str,
    max_pixels: int,
) -> WorkItem:
    return WorkItem(
        source=str(src / record.source),
        source_rel=record.source,
        output=str(out / record.output),
        output_rel=record.output,
        copy=record.copy,
        seed=record.seed,
        steps=pipeline_from_json(record.steps, registry),
        fmt=record.format or "PNG",
        quality=header.settings.get("quality"),
        device=device,
        max_pixels=max_pixels,
        drawn=tuple(step["params"] for step in record.steps),
        mask=os.path.normpath(src / record.mask) if record.mask is not None else None,
        mask_rel=record.mask,
    )


def replay(
    plan: ReplayPlan,
    *,
    workers: int = 1,
    engine: Engine | None = None,
    on_record: RecordCallback | None = None,
) -> ReplayResult:
    """Remake the outputs of a :class:`ReplayPlan` and compare each one's sha256.

    ``workers`` and ``engine`` choose where the items run, as for
    :func:`~styletools.batch.run.run_plan`.
    """
    runner = choose_engine(workers, engine)
    start = time.perf_counter()
    records = []
    with dest_lock(plan.out):
        remove_stale_temps(plan.out)
        for record in runner.map(plan.items):
            records.append(record)
            if on_record is not None:
                on_record(record)
        remove_stale_temps(plan.out)  # as run_plan: a killed, retried writer's leftovers
    different = tuple(
        record.output for record in records
        if record.status == OK and record.sha256 != plan.expected[record.output].sha256
    )
    return ReplayResult(tuple(records), different, time.perf_counter() - start)
