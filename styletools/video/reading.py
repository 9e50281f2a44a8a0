"""Read a clip: a video file through PyAV (ffmpeg's libraries) or a folder of frames.

Both give the same thing: RGB frames as ``(H, W, 3)`` uint8 arrays, in order, and a
:class:`ClipInfo` with the frame rate the output keeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from styletools import images
from styletools.video.errors import VideoError

#: Video containers read and written (GIF included); anything else must be a folder.
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".webm", ".mov", ".gif", ".mkv", ".avi")
#: A folder of frames has no rate of its own.
FOLDER_FPS = Fraction(25)


@dataclass(frozen=True)
class ClipInfo:
    """What a run needs to know about its input before the first frame.

    Attributes:
        path: The video file or frame folder.
        fps: Frames per second, exact (``30000/1001`` stays that).
        frame_count: The number of frames, or the container's estimate (``None``: unknown).
        audio: Whether the file has an audio stream to carry over.
    """

    path: Path
    fps: Fraction
    frame_count: int | None
    audio: bool


def is_video_path(path: Path) -> bool:
    """A path names a video file (by suffix) rather than a folder of frames."""
    return path.suffix.lower() in VIDEO_SUFFIXES


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def frame_files(folder: Path) -> list[Path]:
    """The image files of a frame folder in natural order (``f2.png`` before ``f10.png``)."""
    readable = Image.registered_extensions().items()
    suffixes = {suffix for suffix, fmt in readable if fmt in Image.OPEN}
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in suffixes), key=_natural_key)


def _reason(error: Exception) -> str:
    """ffmpeg's words without its errno and the path repeated (the message names the path)."""
    text = getattr(error, "strerror", None) or str(error)
    return text.rstrip(".").lower()


def probe(path: Path, *, fps: float | None = None) -> ClipInfo:
    """Look at a clip without decoding it.

    Args:
        path: A video file (see :data:`VIDEO_SUFFIXES`) or a folder of frames.
        fps: The rate of a folder of frames (default :data:`FOLDER_FPS`); a video keeps its own.

    Raises:
        VideoError: The path is missing, not a video, has no video stream or holds no frames.
    """
    import av

    if path.is_dir():
        count = len(frame_files(path))
        if count == 0:
            raise VideoError(path, "folder holds no image frames")
        rate = Fraction(fps).limit_denominator(1001) if fps else FOLDER_FPS
        return ClipInfo(path, rate, count, audio=False)
    if not path.is_file():
        raise VideoError(path, "no such file or folder")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(path, "has no video stream")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or FOLDER_FPS
            count = stream.frames or _estimated_count(container, stream, rate)
            return ClipInfo(path, Fraction(rate), count, audio=bool(container.streams.audio))
    except av.FFmpegError as error:
        raise VideoError(path, f"not a readable video ({_reason(error)})") from None


def _estimated_count(container: object, stream: object, rate: Fraction) -> int | None:
    seconds = stream.duration * stream.time_base if stream.duration else None  # type: ignore[attr-defined]
    if seconds is None and container.duration:  # type: ignore[attr-defined]
        seconds = Fraction(container.duration, 1_000_000)  # type: ignore[attr-defined]
    return max(1, round(seconds * rate)) if seconds else None


def read_frames(path: Path) -> Iterator[np.ndarray]:
    """Every frame of a clip as ``(H, W, 3)`` uint8 RGB, in order.

    Raises:
        VideoError: The clip cannot be decoded, breaks off mid-way, or holds no frames.
    """
    frames = _folder_frames(path) if path.is_dir() else _decoded_frames(path)
    count = 0
    for frame in frames:
        count += 1
        yield frame
    if count == 0:
        raise VideoError(path, "holds no video frames")


def first_frame(path: Path) -> np.ndarray:
    """The first frame alone, the decoder closed at once (see :func:`read_frames`)."""
    frames = read_frames(path)
    try:
        return next(frames)
    finally:
        frames.close()


def _folder_frames(folder: Path) -> Iterator[np.ndarray]:
    for file in frame_files(folder):
        yield np.asarray(images.open_image(file))


def _decoded_frames(path: Path) -> Iterator[np.ndarray]:
    import av

    index = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                yield frame.to_ndarray(format="rgb24")
                index += 1
    except av.FFmpegError as error:
        where = f"after {index} frame(s)" if index else "before the first frame"
        raise VideoError(path, f"corrupt or truncated {where} ({_reason(error)})") from None
