"""VGG19 feature extractor with named layers, cut after the deepest layer a run needs.

The network is frozen (weights never need a gradient, which makes each pass 1.6–2× faster
on CPU) and runs channels_last, the faster memory layout for 3×3 convolutions on CPU.

Shape:
    Input ``(N, 3, H, W)`` float RGB in [0, 1]; each backbone applies its own preprocessing
    at the door. Output: ``{layer name: (N, C_l, H_l, W_l)}`` for the layers asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from styletools import onednn
from styletools.errors import ConfigError
from styletools.vgg_layers import CONVS, LAYER_NAMES

Pooling = Literal["max", "avg"]
Padding = Literal["zeros", "replicate"]
_POOLS: dict[str, type[nn.Module]] = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


def check_layers(layers: Iterable[str], *, option: str) -> tuple[str, ...]:
    """Validate layer names and return them as a tuple.

    Raises:
        ConfigError: A name is not a VGG19 ReLU layer; the message lists the valid ones.
    """
    layers = tuple(layers)
    unknown = [name for name in layers if name not in LAYER_NAMES]
    if unknown or not layers:
        raise ConfigError(
            f"{option}: unknown layer {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(LAYER_NAMES)}"
        )
    return layers


class Features(nn.Module):
    """Frozen VGG19 truncated after the deepest requested layer.

    On a CPU the first pass lays the weights out once for oneDNN (:mod:`styletools.onednn`);
    weights changed in place after that need a new extractor (or ``requires_grad``, which
    keeps the eager path).

    Args:
        state: Conv weights keyed ``conv1_1.weight``, ``conv1_1.bias`` …, as made by
            :func:`styletools.weights.resolve`.
        layers: The layers whose activations :meth:`forward` returns.
        preprocess: Maps ``(N, 3, H, W)`` RGB in [0, 1] to the network's input space.
        pooling: ``max`` as in VGG19, or ``avg`` (Gatys et al. found smoother results).
        padding: How the first convolution sees beyond the border: ``zeros`` as trained, or
            ``replicate`` (the edge pixels), which keeps an optimised image's border from
            darkening (as in crowsonkb/style-transfer-pytorch; figures in the README).
    """

    def __init__(
        self,
        state: dict[str, torch.Tensor],
        layers: Sequence[str],
        *,
        preprocess: nn.Module,
        pooling: Pooling = "max",
        padding: Padding = "zeros",
    ) -> None:
        super().__init__()
        self.layers = check_layers(layers, option="layers")
        if pooling not in _POOLS:
            raise ConfigError(f"pooling: unknown {pooling!r}; choose from {', '.join(_POOLS)}")
        self.preprocess = preprocess
        if padding not in ("zeros", "replicate"):
            raise ConfigError(f"padding: unknown {padding!r}; choose from zeros, replicate")
        self.padding = padding
        self.body = _build_body(
            state, LAYER_NAMES.index(max(self.layers, key=LAYER_NAMES.index)),
            first_padding=0 if padding == "replicate" else 1,
        )
        self.pooling = pooling
        self._pool = _POOLS[pooling](kernel_size=2, stride=2)
        self._packed: list[onednn.PackedConv] | None = None
        self.requires_grad_(False)
        self.eval()

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Run the network; return the requested activations by name."""
        x = self.preprocess(images)
        if self.padding == "replicate":  # the first convolution is built unpadded for it
            x = F.pad(x, (1, 1, 1, 1), mode="replicate")
        x = x.contiguous(memory_format=torch.channels_last)
        wanted, out = set(self.layers), {}
        for relu_name, conv_relu in zip(LAYER_NAMES, self._conv_relus(x), strict=False):
            if relu_name.endswith("_1") and relu_name != "relu1_1":
                x = self._pool(x)
            x = conv_relu(x)
            if relu_name in wanted:
                out[relu_name] = x
        return out

    def __getstate__(self) -> dict[str, object]:
        # oneDNN's packed weights cannot be pickled or copied; they are rebuilt on first use.
        return {**self.__dict__, "_packed": None}

    def _conv_relus(self, x: torch.Tensor) -> list[Callable[[torch.Tensor], torch.Tensor]]:
        """Each layer's conv + ReLU: oneDNN with weights laid out once on a CPU, else eager."""
        weight = self.body[0].weight
        if not (onednn.usable(x) and weight.device.type == "cpu" and not weight.requires_grad):
            return [_EagerConvRelu(conv) for conv in self.body]
        if self._packed is None:
            self._packed = [onednn.PackedConv(conv) for conv in self.body]
        return [packed.conv_relu for packed in self._packed]


class _EagerConvRelu:
    """conv + ReLU for any device."""

    def __init__(self, conv: nn.Module) -> None:
        self.conv = conv

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        # In-place ReLU saves a full activation copy per layer; conv backward does not
        # need its own output, so autograd stays correct.
        return torch.relu_(self.conv(x))


def _build_body(
    state: dict[str, torch.Tensor], last: int, *, first_padding: int = 1
) -> nn.ModuleList:
    convs = nn.ModuleList()
    for index, (name, cin, cout) in enumerate(CONVS[: last + 1]):
        conv = nn.Conv2d(cin, cout, kernel_size=3, padding=first_padding if index == 0 else 1)
        conv.weight.data = (
            state[f"{name}.weight"].float().contiguous(memory_format=torch.channels_last)
        )
        conv.bias.data = state[f"{name}.bias"].float()
        convs.append(conv)
    return convs
