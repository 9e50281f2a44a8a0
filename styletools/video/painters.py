"""One painter per ``--method``: paint a frame, given what the previous output offers.

Every painter is called as ``painter(frame, guide)`` with the frame ``(1, 3, H, W)`` in [0, 1]
at the output size and the :class:`~styletools.video.temporal.Guide` of the previous output
(``None`` for the first frame or at ``temporal`` 0), and returns the painted frame of the same
shape on the CPU. Networks are loaded when a painter is built, once per run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from styletools.config import TransferConfig
from styletools.errors import ConfigError
from styletools.methods import Networks
from styletools.video.settings import VideoSettings
from styletools.video.temporal import Guide, blend, start_image, temporal_cost

FramePainter = Callable[[torch.Tensor, Guide | None], torch.Tensor]


@dataclass(frozen=True)
class NetworkPainter:
    """A one-pass network, then the warped previous output blended in (``temporal``)."""

    network: Callable[[torch.Tensor], torch.Tensor]
    temporal: float

    def __call__(self, frame: torch.Tensor, guide: Guide | None) -> torch.Tensor:
        painted = self.network(frame)
        return painted if guide is None else blend(painted, guide, self.temporal)


@dataclass(frozen=True)
class OptimisePainter:
    """The optimisation: the first frame as ``transfer`` would paint it, each later one started
    from the warped previous output with the temporal cost, at one scale and fewer steps."""

    networks: Networks
    paintings: Sequence[torch.Tensor]
    config: TransferConfig
    settings: VideoSettings

    def __call__(self, frame: torch.Tensor, guide: Guide | None) -> torch.Tensor:
        from styletools.engine import stylize

        backbone = self.networks.backbone()
        if guide is None:
            return stylize(frame, self.paintings, self.config, backbone=backbone).image
        later = self.config.replace(init="arbitrary", scales=1, steps=(self.settings.later_steps,))
        # The temporal weight w in [0, 0.95) becomes w / (1 - w): 0.5 weighs the temporal
        # share like the whole of J's relative terms, and near 1 the frame follows the flow.
        weight = self.settings.temporal / (1 - self.settings.temporal)
        return stylize(frame, self.paintings, later, backbone=backbone,
                       start=start_image(frame, guide),
                       extra_cost=temporal_cost(frame, guide, weight)).image


def _one_pass(networks: Networks, paintings: Sequence[torch.Tensor], config: TransferConfig,
              settings: VideoSettings, first_frame: torch.Tensor) -> FramePainter:
    """Ghiasi et al.'s network with one embedding for the whole clip.

    The strength walks from the photo's own embedding to the paintings' (as for a photo), but
    the photo's is the first frame's, not each frame's: a per-frame embedding flickered with
    the picture and cost a pass of the predictor a frame (half of a frame's time at 384 px).
    The first frame, not the first painted one, so a resumed run paints the same bytes.
    """
    from styletools.arbitrary import mix_embeddings, predict_style
    from styletools.config import embedding_weight
    from styletools.engine import scale_to_long_side
    from styletools.one_pass import paint, painting_embedding

    network = networks.one_pass()
    own = predict_style(network.predictor, scale_to_long_side(first_frame,
                                                              config.network_size()))
    embedding = mix_embeddings(own, painting_embedding(network, paintings, config),
                               embedding_weight(config.strength))
    mixed = config.replace(strength=1.0)  # the embedding is mixed already
    return NetworkPainter(lambda frame: paint(network, frame, embedding, mixed),
                          settings.temporal)


def _model(networks: Networks, paintings: Sequence[torch.Tensor], config: TransferConfig,
           settings: VideoSettings, first_frame: torch.Tensor) -> FramePainter:
    from styletools.devices import resolve_device
    from styletools.fast.model_file import load_model, to_device
    from styletools.tools.fast_stylize import run_network

    if settings.model is None or paintings:
        raise ConfigError("video --method model: give --model MODEL.stm and no --style "
                          "(the model holds its painting)")
    network = to_device(load_model(settings.model), resolve_device(config.device))
    return NetworkPainter(lambda frame: run_network(network, frame).cpu(), settings.temporal)


def _optimise(networks: Networks, paintings: Sequence[torch.Tensor], config: TransferConfig,
              settings: VideoSettings, first_frame: torch.Tensor) -> FramePainter:
    return OptimisePainter(networks, paintings, config.replace(method="optimise"), settings)


#: ``--method`` -> the painter's builder; one table for the choice and its error message.
PainterBuilder = Callable[
    [Networks, Sequence[torch.Tensor], TransferConfig, VideoSettings, torch.Tensor], FramePainter
]
PAINTERS: dict[str, PainterBuilder] = {
    "arbitrary": _one_pass,
    "model": _model,
    "optimise": _optimise,
}


def build_painter(networks: Networks, paintings: Sequence[torch.Tensor], config: TransferConfig,
                  settings: VideoSettings, first_frame: torch.Tensor) -> FramePainter:
    """The painter of ``settings.method`` (see :data:`PAINTERS`), for a clip starting with
    ``first_frame`` (``(1, 3, H, W)`` at the output size).

    Raises:
        ConfigError: No painting for a method that needs one, or a model method without one.
    """
    if settings.method != "model" and not paintings:
        raise ConfigError(f"video --method {settings.method}: give at least one --style painting")
    return PAINTERS[settings.method](networks, paintings, config, settings, first_frame)
