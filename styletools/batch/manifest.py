"""The batch manifest: ``DEST/manifest.jsonl``, one JSON object per line.

The first line is a header naming SRC and the settings that decide an output's bytes;
every other line is an :class:`~styletools.batch.work.OutputRecord`. Records are appended
by the one process that runs the batch, each *after* its output was renamed into place, so
a record never points at a half-written file. A process killed mid-append leaves at most
a partial last line; :func:`read_manifest` drops it and truncates the file. When an output
appears twice (a retried failure, a regenerated file) the later line wins, and a finished
run rewrites the file atomically with one line per output.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from styletools.batch.work import OutputRecord
from styletools.errors import ConfigError
from styletools.images import atomic_write

MANIFEST_NAME = "manifest.jsonl"
#: Key of the header line; its value is the manifest format version.
HEADER_KEY = "styletools_batch"
VERSION = 1


@dataclass(frozen=True)
class ManifestHeader:
    """The first line of a manifest.

    Attributes:
        src: The input folder (absolute) the sources are relative to.
        settings: ``BatchSettings.recorded()``: pipeline, seed, format, quality.
    """

    src: str
    settings: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data, with the format marker first."""
        return {HEADER_KEY: VERSION, "src": self.src, "settings": self.settings}


def read_manifest(
    path: Path, *, repair: bool = True
) -> tuple[ManifestHeader | None, dict[str, OutputRecord]]:
    """Read a manifest, dropping a partial last line left by a kill.

    Args:
        path: The manifest.
        repair: Also truncate the partial line from the file (a dry run reads only).

    Returns:
        The header (``None`` when the file is missing) and the latest record per output.

    Raises:
        ConfigError: A complete line is not JSON, or the first line is not a header.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, {}
    complete = data[: data.rfind(b"\n") + 1]
    if repair and len(complete) < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(len(complete))
    lines = [_parse_line(path, number, line) for number, line in
             enumerate(complete.splitlines(), start=1) if line.strip()]
    if not lines or HEADER_KEY not in lines[0]:
        raise ConfigError(f"{path}: not a styletools batch manifest (no header line)")
    header = ManifestHeader(lines[0]["src"], lines[0]["settings"])
    records = (OutputRecord.from_json(line) for line in lines[1:])
    return header, {record.output: record for record in records}


def _parse_line(path: Path, number: int, line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: line {number} is not a JSON object; the manifest is damaged")
    return value


def write_manifest(
    path: Path, header: ManifestHeader, records: Mapping[str, OutputRecord]
) -> None:
    """Write the header and one line per output (sorted), atomically."""
    lines = [header.to_json(), *(records[name].to_json() for name in sorted(records))]
    text = "".join(json.dumps(line, sort_keys=False) + "\n" for line in lines)
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


class ManifestAppender:
    """Appends records one line at a time; use as a context manager.

    Each line goes to the OS in one ``write`` as soon as it is known (a kill loses nothing
    already written); the file is fsynced on close and every ``sync_every`` lines.
    """

    def __init__(self, path: Path, *, sync_every: int = 64) -> None:
        self.path = path
        self.sync_every = sync_every
        self._handle: IO[bytes] | None = None
        self._unsynced = 0

    def __enter__(self) -> ManifestAppender:
        self._handle = open(self.path, "ab", buffering=0)
        return self

    def append(self, record: OutputRecord) -> None:
        """Append one record as one line."""
        if self._handle is None:
            raise RuntimeError("ManifestAppender used outside its with-block")
        self._handle.write((json.dumps(record.to_json()) + "\n").encode("utf-8"))
        self._unsynced += 1
        if self._unsynced >= self.sync_every:
            self._sync()

    def _sync(self) -> None:
        if self._handle is not None and self._unsynced:
            os.fsync(self._handle.fileno())
            self._unsynced = 0

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._sync()
            self._handle.close()
            self._handle = None
