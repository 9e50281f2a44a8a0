"""Run a plan into DEST: lock, clean up after a kill, resume, execute, record.

Resuming is the normal case, not a special mode: a run skips every output whose manifest
record says ``ok`` and whose file still has the recorded sha256, and makes the rest. Temp
files (``.<name>.<random>.part``) left by a killed writer are removed first; the lock on
``DEST/.styletools-batch.lock`` makes sure no other live batch owns them. The lock file is
removed when the run ends, so a finished DEST holds the outputs and the manifest only.

Where the items run is an :class:`~styletools.batch.engines.Engine`: this machine's process
pool by default, or Ray Data (:mod:`~styletools.batch.ray_engine`); the records come back
here, to the one process that owns the manifest.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from styletools.batch.engines import Engine, LocalEngine
from styletools.batch.manifest import (
    MANIFEST_NAME,
    ManifestAppender,
    ManifestHeader,
    read_manifest,
    write_manifest,
)
from styletools.batch.plan import Plan, WorkItem
from styletools.batch.work import FAILED, OK, OutputRecord, file_sha256
from styletools.errors import ConfigError

LOCK_NAME = ".styletools-batch.lock"
#: Temp files of :func:`styletools.images.atomic_write`: ``.<name>.<random>.part``.
TEMP_PATTERN = ".*.part"

#: Called with each record as it arrives (front ends draw progress from it).
RecordCallback = Callable[[OutputRecord], None]


@dataclass(frozen=True)
class BatchResult:
    """What a run did.

    Attributes:
        planned: Outputs in the plan.
        done_before: Outputs already complete (verified) when the run started.
        records: This run's records, in completion order.
        seconds: Wall time of the work, excluding planning.
    """

    planned: int
    done_before: int
    records: tuple[OutputRecord, ...]
    seconds: float

    @property
    def written(self) -> int:
        """Outputs written by this run."""
        return sum(record.status == OK for record in self.records)

    @property
    def failed(self) -> tuple[OutputRecord, ...]:
        """This run's failed records."""
        return tuple(record for record in self.records if record.status == FAILED)


@contextlib.contextmanager
def dest_lock(dest: Path) -> Iterator[None]:
    """Hold an exclusive lock on DEST for the run, and remove the lock file when it ends.

    A kill releases the lock with the process (the file stays, and the next run reuses it).

    Raises:
        ConfigError: Another batch holds the lock.
    """
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / LOCK_NAME
    with _locked_file(path):
        try:
            yield
        finally:
            path.unlink(missing_ok=True)  # still locked: no other run can hold this file


#: Tries to lock a lock file that a finishing run removed between our open and our lock.
_LOCK_TRIES = 3


@contextlib.contextmanager
def _locked_file(path: Path) -> Iterator[None]:
    """Open and ``flock`` ``path``, making sure the locked file is still the one at ``path``.

    A run that ends removes its lock file while holding it; a run that opened the file just
    before would then lock a removed file, so it checks and opens again.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, the rest works the same
        yield
        return
    for _ in range(_LOCK_TRIES):
        with open(path, "a+b") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(
                    f"{path.parent}: another batch is writing into this folder") from None
            if _is_file_at(handle.fileno(), path):
                yield
                return
    raise ConfigError(f"{path.parent}: another batch keeps starting in this folder")


def _is_file_at(descriptor: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path))
    except FileNotFoundError:
        return False


def remove_stale_temps(dest: Path) -> int:
    """Delete temp files a killed writer left under DEST; returns how many."""
    stale = list(dest.rglob(TEMP_PATTERN))
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def is_complete(item: WorkItem, records: Mapping[str, OutputRecord], *, verify: bool) -> bool:
    """Whether an output is done: an ``ok`` record and a file that matches it."""
    record = records.get(item.output_rel)
    if record is None or record.status != OK:
        return False
    if not verify:
        return Path(item.output).is_file()
    return file_sha256(item.output) == record.sha256


def open_manifest(plan: Plan) -> tuple[ManifestHeader, dict[str, OutputRecord]]:
    """Read DEST's manifest and check it belongs to this batch, or start a new one.

    Raises:
        ConfigError: The manifest was made with other settings, or DEST holds other files.
    """
    path = plan.dest / MANIFEST_NAME
    wanted = ManifestHeader(str(plan.src), json.loads(json.dumps(plan.settings.recorded())))
    header, records = read_manifest(path)
    if header is None:
        _refuse_foreign_files(plan.dest)
        write_manifest(path, wanted, {})
        return wanted, {}
    changed = [key for key, value in wanted.settings.items() if header.settings.get(key) != value]
    if changed:
        raise ConfigError(
            f"{path}: DEST was made with different {', '.join(changed)}; "
            "use the same settings to resume, or a new DEST"
        )
    return wanted, records


def _refuse_foreign_files(dest: Path) -> None:
    others = sorted(path.name for path in dest.iterdir() if path.name != LOCK_NAME)
    if others:
        raise ConfigError(
            f"{dest}: DEST is not empty and has no {MANIFEST_NAME} (found {others[0]}); "
            "choose an empty or new folder"
        )


def run_plan(
    plan: Plan,
    *,
    workers: int = 1,
    engine: Engine | None = None,
    on_record: RecordCallback | None = None,
) -> BatchResult:
    """Make every output of ``plan`` that is not already complete.

    Args:
        plan: From :func:`~styletools.batch.plan.make_plan`.
        workers: Processes of the local engine (1 = this process); short for
            ``engine=LocalEngine(workers)``.
        engine: Where the items run (default: the local engine).
        on_record: Called with each record as it arrives.

    Returns:
        What the run did; failures are in the result and the manifest, never raised.

    Raises:
        ConfigError: DEST is locked, holds foreign files or a manifest of other settings,
            or both ``workers`` and ``engine`` were given.
    """
    runner = choose_engine(workers, engine)
    with dest_lock(plan.dest):
        remove_stale_temps(plan.dest)
        header, records = open_manifest(plan)
        todo = [item for item in plan.items if not is_complete(item, records, verify=True)]
        start = time.perf_counter()
        new = _record_all(plan.dest / MANIFEST_NAME, runner.map(todo), records, on_record)
        write_manifest(plan.dest / MANIFEST_NAME, header, records)
        # A worker killed in the middle of a write (and retried) left its temp file behind;
        # every writer has ended, so DEST keeps outputs and the manifest only.
        remove_stale_temps(plan.dest)
    return BatchResult(len(plan.items), len(plan.items) - len(todo), new,
                       time.perf_counter() - start)


def choose_engine(workers: int, engine: Engine | None) -> Engine:
    """The engine a run uses: ``engine``, or the local one with ``workers``.

    Raises:
        ConfigError: Both were given (the engine carries its own worker count).
    """
    if engine is None:
        return LocalEngine(workers)
    if workers != 1:
        raise ConfigError("run: give workers to the engine, not beside it")
    return engine


def _record_all(
    path: Path,
    results: Iterable[OutputRecord],
    records: dict[str, OutputRecord],
    on_record: RecordCallback | None,
) -> tuple[OutputRecord, ...]:
    new = []
    with ManifestAppender(path) as manifest:
        for record in results:
            manifest.append(record)
            records[record.output] = record
            new.append(record)
            if on_record is not None:
                on_record(record)
    return tuple(new)


def count_done(plan: Plan) -> int:
    """Outputs a run would skip (record ok and file present); reads, never writes."""
    path = plan.dest / MANIFEST_NAME
    if not path.is_file():
        return 0
    _, records = read_manifest(path, repair=False)
    return sum(is_complete(item, records, verify=False) for item in plan.items)
