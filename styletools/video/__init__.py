"""Video: stylise a clip frame by frame without flicker.

Frames come from a video file (PyAV) or a folder; DIS optical flow between consecutive input
frames warps the previous output onto the current frame, and a forward-backward check masks
what was occluded. One-pass methods blend the warped output into the frame they paint; the
optimisation starts from it and pays a temporal cost for leaving it (Ruder et al. 2016).
The warping error of Lai et al. 2018 measures the flicker, and clips with an exact known flow
(:mod:`styletools.video.synthetic`) test it without a flow estimator.

Modules, one job each: ``reading``/``writing`` (files), ``flow`` (DIS), ``warp`` (warping and
occlusion masks), ``temporal`` (blend, start and cost), ``painters`` (one per method),
``workfolder`` (resumable frames), ``runner`` (:func:`stylize_video`), ``metrics``,
``synthetic``, ``settings``. Importing this package loads neither PyAV nor OpenCV.
"""

from __future__ import annotations

from styletools.video.errors import VideoError
from styletools.video.settings import VideoSettings

__all__ = ["VideoError", "VideoSettings"]
