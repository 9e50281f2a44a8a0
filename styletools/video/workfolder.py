"""The frames of a run in progress, kept beside the output so a killed run resumes.

A run paints into ``.OUTPUT.frames/`` (hidden, next to the output): one PNG per finished frame,
written atomically, and ``run.json`` recording what decides them. A new run with the same
record continues after the last frame it finds; the finished run encodes (or moves) the frames
into the output and removes the folder, so nothing but the output is left.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from styletools.images import atomic_write
from styletools.video.errors import VideoError

RECORD = "run.json"


def frame_name(index: int) -> str:
    """``frame_000001.png`` for index 0: the names of the frames of a folder output too."""
    return f"frame_{index + 1:06d}.png"


class WorkFolder:
    """The hidden folder of one output's frames in progress.

    Args:
        target: The output (video file or frame folder) the frames are for.
    """

    def __init__(self, target: Path) -> None:
        self.path = target.parent / f".{target.name}.frames"

    def recorded(self) -> dict[str, Any] | None:
        """The record of an earlier run, or ``None`` when there is none."""
        file = self.path / RECORD
        return json.loads(file.read_text()) if file.is_file() else None

    def start(self, record: dict[str, Any]) -> int:
        """Open the folder for a run with ``record``; returns the frames already painted.

        Raises:
            VideoError: The folder holds frames of a run with another record.
        """
        earlier = self.recorded()
        if earlier is not None and earlier != record:
            changed = sorted(k for k in {*earlier, *record} if earlier.get(k) != record.get(k))
            raise VideoError(self.path, f"holds the frames of a run with other {', '.join(changed)}"
                             "; delete it to start again, or rerun with those settings")
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path / RECORD, lambda f: f.write(json.dumps(record, indent=1).encode()))
        return self.done()

    def done(self) -> int:
        """How many frames, from the first, are painted."""
        count = 0
        while (self.path / frame_name(count)).is_file():
            count += 1
        return count

    def save(self, index: int, pixels: np.ndarray) -> None:
        """Write frame ``index`` (``(H, W, 3)`` uint8), atomically; a kill leaves it whole or
        absent."""
        picture = Image.fromarray(pixels)
        # Level 1: a tenth of the default's time for a few percent more bytes; the frames
        # only live until the encode.
        atomic_write(self.path / frame_name(index),
                     lambda f: picture.save(f, format="PNG", compress_level=1))

    def load(self, index: int) -> np.ndarray:
        """Frame ``index`` as ``(H, W, 3)`` uint8."""
        with Image.open(self.path / frame_name(index)) as picture:
            return np.asarray(picture.convert("RGB"))

    def frames(self, count: int) -> list[Path]:
        """The files of the first ``count`` frames."""
        return [self.path / frame_name(index) for index in range(count)]

    def move_into(self, folder: Path, count: int) -> None:
        """Move the frames into ``folder`` as its only frames (earlier ``frame_*.png`` go)."""
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("frame_*.png"):
            old.unlink()
        for file in self.frames(count):
            file.replace(folder / file.name)

    def remove(self) -> None:
        """Delete the folder and anything a killed writer left in it."""
        try:
            shutil.rmtree(self.path)
        except FileNotFoundError:
            return
        except OSError as error:
            raise VideoError(self.path, f"cannot remove ({error.strerror})") from None
