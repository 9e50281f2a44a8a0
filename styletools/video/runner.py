"""``stylize_video``: read a clip, paint every frame with temporal consistency, write it.

Data flow: :func:`~styletools.video.reading.probe` -> frames resized to the output size ->
DIS flows between consecutive input frames -> the painter of ``settings.method``, given the
previous output warped by the flow where it is not occluded -> each frame written to the work
folder (:mod:`styletools.video.workfolder`) -> the frames encoded with the input's rate and
audio (or moved into a frame folder). The previous output is always the one read back from
its 8-bit PNG, so a resumed run and an unbroken one paint the same bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch

from styletools.config import TransferConfig
from styletools.errors import ImageError, OutputExistsError
from styletools.images import to_tensor
from styletools.methods import Networks
from styletools.params import params_to_json
from styletools.seeds import new_seed
from styletools.video.flow import FlowEstimator, gray
from styletools.video.painters import FramePainter, build_painter
from styletools.video.reading import ClipInfo, first_frame, probe, read_frames
from styletools.video.settings import VideoSettings
from styletools.video.temporal import guide
from styletools.video.workfolder import WorkFolder
from styletools.video.writing import check_suffix, write_video


@dataclass(frozen=True)
class VideoProgress:
    """Reported after every painted frame.

    Attributes:
        done: Frames finished, resumed ones included.
        total: Frames in all, when the container says (``None``: unknown).
        resumed: Frames found from an earlier run.
        fps: Frames painted per second in this run.
        eta: Seconds left at that rate, when the total is known.
    """

    done: int
    total: int | None
    resumed: int
    fps: float
    eta: float | None


@dataclass(frozen=True)
class VideoResult:
    """What a run wrote: the output, its frame count and rate, frames resumed, the seed."""

    path: Path
    frames: int
    fps: Fraction
    resumed: int
    seconds: float
    seed: int | None


VideoCallback = Callable[[VideoProgress], None]


def output_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """``(width, height)`` with ``long_side`` as the long side, both even (4:2:0 video).

    >>> output_size(720, 528, 384)
    (384, 282)
    """
    scale = long_side / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def resize_frame(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``(H, W, 3)`` uint8 to ``size`` = ``(width, height)``: area-averaged when shrinking
    (no aliasing for the flow to mistake for motion), bicubic when growing."""
    import cv2

    shrinking = size[0] < pixels.shape[1]
    mode = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return cv2.resize(pixels, size, interpolation=mode)


def _to_pixels(image: torch.Tensor) -> np.ndarray:
    """``(1, 3, H, W)`` in [0, 1] to ``(H, W, 3)`` uint8, rounded as every saved image is."""
    return image[0].clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 2, 0).numpy().copy()


def _tensor(pixels: np.ndarray) -> torch.Tensor:
    from PIL import Image

    return to_tensor(Image.fromarray(pixels))


def is_folder_target(target: Path) -> bool:
    """An output is a frame folder when it is one already or has no suffix; else a video."""
    return target.is_dir() or not target.suffix


def _check_paths(source: Path, target: Path, overwrite: bool) -> None:
    if not is_folder_target(target):
        check_suffix(target)  # an unknown suffix fails before any work
    if target.resolve() == source.resolve():
        raise ImageError(target, "is the input; refusing to overwrite it")
    holds_output = target.is_file() or (target.is_dir() and any(target.iterdir()))
    if holds_output and not overwrite:
        raise OutputExistsError(target)


def _record(info: ClipInfo, paintings: Sequence[Path], config: TransferConfig,
            settings: VideoSettings) -> dict[str, Any]:
    """What decides the frames: a resume with anything else is refused."""
    size = info.path.stat().st_size if info.path.is_file() else None
    return {
        "input": [str(info.path.resolve()), size],
        "paintings": [str(Path(p).resolve()) for p in paintings],
        "transfer": params_to_json(config),
        "video": params_to_json(settings),
    }


def _video_config(config: TransferConfig, settings: VideoSettings, work: WorkFolder
                  ) -> TransferConfig:
    """The transfer settings of the frames: the method's, and a seed fixed for the whole run
    (the recorded one on a resume), so every frame and every resume paints alike."""
    method = "optimise" if settings.method == "optimise" else "arbitrary"
    # Even sides for 4:2:0 video; the frames are resized to exactly this long side.
    config = config.replace(method=method, size=config.size - config.size % 2)
    if config.seed is None:
        earlier = (work.recorded() or {}).get("transfer", {}).get("seed")
        config = config.replace(seed=earlier if isinstance(earlier, int) else new_seed())
    return config


@dataclass
class _Painting:
    """The frame loop's state: the previous input (for the flow) and output (to warp)."""

    painter: FramePainter
    work: WorkFolder
    temporal: bool
    flows: FlowEstimator
    previous_gray: np.ndarray | None = None
    previous_output: torch.Tensor | None = None

    def skip(self, frame: np.ndarray) -> None:
        """A frame painted by an earlier run: only its input is needed, for the next flow."""
        self.previous_gray = gray(frame)

    def paint(self, index: int, frame: np.ndarray) -> None:
        """Paint frame ``index`` against the previous output and save it."""
        current = gray(frame)
        hint = None
        if self.temporal and self.previous_gray is not None:
            previous = self.previous_output
            if previous is None:  # the first frame after a resume
                previous = _tensor(self.work.load(index - 1))
            hint = guide(previous, self.flows.pair(self.previous_gray, current))
        pixels = _to_pixels(self.painter(_tensor(frame), hint))
        self.work.save(index, pixels)
        self.previous_gray, self.previous_output = current, _tensor(pixels)


def _paint_all(painting: _Painting, info: ClipInfo, long_side: int, done: int,
               max_frames: int | None, on_progress: VideoCallback | None) -> int:
    """Paint every frame not yet done; returns the frame count."""
    total = min(info.frame_count or max_frames or 0, max_frames or 10**9) or None
    started, count, size = time.perf_counter(), 0, None
    for index, pixels in enumerate(read_frames(info.path)):
        if max_frames is not None and index >= max_frames:
            break
        size = size or output_size(pixels.shape[1], pixels.shape[0], long_side)
        frame, count = resize_frame(pixels, size), index + 1
        if index < done:
            painting.skip(frame)
            continue
        painting.paint(index, frame)
        if on_progress is not None:
            fps = (count - done) / (time.perf_counter() - started)
            eta = (total - count) / fps if total and total >= count else None
            on_progress(VideoProgress(count, total, done, fps, eta))
    return count


def _finish(work: WorkFolder, target: Path, info: ClipInfo, count: int) -> None:
    """Encode (or move) the frames into the output, then remove the work folder."""
    if not is_folder_target(target):
        frames = (work.load(index) for index in range(count))
        audio = info.path if info.audio else None
        write_video(frames, target, info.fps, audio_from=audio)
    else:
        work.move_into(target, count)
    work.remove()


def stylize_video(
    source: Path,
    target: Path,
    paintings: Sequence[Path],
    config: TransferConfig,
    settings: VideoSettings,
    *,
    networks: Networks | None = None,
    on_progress: VideoCallback | None = None,
    overwrite: bool = False,
) -> VideoResult:
    """Stylise a clip frame by frame with temporal consistency (see the module docstring).

    Args:
        source: A video file or a folder of frames.
        target: A video file (its suffix picks the container) or a folder (``frame_*.png``).
        paintings: The paintings (none for ``--method model``).
        config: The transfer settings; ``size`` is the output's long side (made even), and
            ``method`` follows ``settings.method``.
        settings: The video settings.
        networks: Loaded networks to reuse.
        on_progress: Called after every painted frame.
        overwrite: Replace an existing output.

    Returns:
        What was written. A run killed before the end resumes from its frames when run again
        with the same arguments, and writes the same bytes.

    Raises:
        VideoError: The input is unreadable, empty or truncated, or a work folder holds
            another run's frames.
        OutputExistsError: The output exists and ``overwrite`` is false.
        ConfigError: Bad settings, or a method without what it needs.
    """
    from styletools.loading import load_paintings

    started = time.perf_counter()
    info = probe(source, fps=settings.fps)
    _check_paths(source, target, overwrite)
    work = WorkFolder(target)
    config = _video_config(config, settings, work)
    done = work.start(_record(info, paintings, config, settings))
    max_frames = None if settings.max_seconds is None else max(1, int(settings.max_seconds
                                                                      * info.fps))
    networks = networks or Networks(config.weights, config.device)
    first = first_frame(info.path)
    first = _tensor(resize_frame(first, output_size(first.shape[1], first.shape[0], config.size)))
    painter = build_painter(networks, load_paintings(paintings, config), config, settings, first)
    painting = _Painting(painter, work, settings.temporal > 0, FlowEstimator())
    count = _paint_all(painting, info, config.size, done, max_frames, on_progress)
    _finish(work, target, info, count)
    return VideoResult(target, count, info.fps, min(done, count), time.perf_counter() - started,
                       config.seed)
