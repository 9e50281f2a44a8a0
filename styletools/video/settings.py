"""The video settings, declared once: ``styletools video``'s options and the app's Video tab
are generated from these fields (the painting settings are :class:`TransferConfig`'s).

Kept free of torch, like the other settings, so ``--help`` answers at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from styletools.params import check_params, param

VideoMethod = Literal["arbitrary", "model", "optimise"]

#: The default blend of the warped previous frame (``--temporal``), picked by
#: ``benchmarks/video_bench.py`` (24 frames, 384 px): at 0.5 the warping error is 0.18-0.32x
#: the per-frame mode's on the pan, zoom, occluder and real clips, with the Gram distance to
#: the painting within 10 % (1.005-1.098x); at 0.6 the zoom's rose 12 % (the repeated warps
#: soften the strokes), at 0.3 the real clip kept 0.52x of its flicker.
DEFAULT_TEMPORAL = 0.5
#: The app's caps on an uploaded clip (its frames are painted while the user waits); the
#: Video tab states them.
APP_MAX_SECONDS = 10.0
APP_MAX_SIZE = 384


@dataclass(frozen=True)
class VideoSettings:
    """What a video run adds to a transfer's settings (:class:`~styletools.config.TransferConfig`).

    The temporal weight means the same for every method: how strongly a frame keeps the
    previous output where the flow says it can (0 = every frame painted on its own).
    """

    method: VideoMethod = param(
        "arbitrary",
        help="arbitrary: the pretrained one-pass network, any painting; model: a network from "
        "`train-style` (--model); optimise: the VGG19 objective started from the warped "
        "previous frame (Ruder et al.), seconds to minutes a frame",
    )
    model: Path | None = param(None, help="the .stm model of --method model")
    temporal: float = param(
        DEFAULT_TEMPORAL,
        help="weight of the previous stylised frame, warped by optical flow, where it is not "
        "occluded (0 = each frame on its own)",
        min=0.0,
        max=0.95,
    )
    later_steps: int = param(
        40, help="optimise: single-scale steps of each frame after the first (which takes the "
        "preset's)", min=1,
    )
    max_seconds: float | None = param(
        None, help="paint only the first seconds of the clip (none = all of it)", min=0.0,
        unit="s",
    )
    fps: float | None = param(
        None, help="frame rate of a folder of frames (a video keeps its own; none: 25)",
        min=0.1,
    )

    def __post_init__(self) -> None:
        check_params("video", self)

