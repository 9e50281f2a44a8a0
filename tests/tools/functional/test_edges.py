"""Edge kernels: the course's worked example, the size formula, scipy references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from styletools.errors import ConfigError, ToolError
from styletools.tools.functional import edges as F

# torch padding -> scipy.ndimage boundary mode with the same extension of the border.
SCIPY_MODES = {"reflect": "mirror", "replicate": "nearest", "zero": "constant"}


def _gray(size: int = 11, seed: int = 0, *, width: int | None = None) -> torch.Tensor:
    """A random gray image as ``(1, 3, H, W)`` float64 (equal channels: luma is exact)."""
    width = size + 2 if width is None else width
    plane = torch.rand(size, width, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64)
    return plane.expand(1, 3, -1, -1).clone()


def test_course_six_by_six_vertical_edge():
    # Three columns of 10 then three of 0, vertical kernel, no padding (Andrew Ng, C4W1).
    image = torch.tensor([[10.0] * 3 + [0.0] * 3] * 6).expand(1, 3, 6, 6)
    out = F.convolve(image, F.VERTICAL, color="rgb", padding="none")
    expected = torch.tensor([[0.0, 30.0, 30.0, 0.0]] * 4)
    assert out.shape == (1, 3, 4, 4)
    for channel in range(3):
        torch.testing.assert_close(out[0, channel], expected)


@pytest.mark.parametrize("size", [6, 7, 10])
@pytest.mark.parametrize("padding", ["none", "zero", "reflect"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_output_size_follows_course_formula(size, padding, stride):
    pad = 0 if padding == "none" else 1
    expected = (size + 2 * pad - 3) // stride + 1
    out = F.convolve(torch.rand(2, 3, size, size), F.SOBEL_X, padding=padding, stride=stride)
    assert out.shape == (2, 1, expected, expected)
    assert F.output_size(size, padding=padding, stride=stride) == expected


def _scharr_reference(plane: np.ndarray, axis: int, mode: str | tuple[str, str]) -> np.ndarray:
    """Scharr by separable 1-D passes: derivative [-1, 0, 1] along axis, [3, 10, 3] across.

    ``mode`` is one scipy boundary mode, or one per axis as ``ndimage.sobel`` takes them.
    """
    modes = (mode, mode) if isinstance(mode, str) else mode
    derivative = ndimage.correlate1d(plane, [-1.0, 0.0, 1.0], axis=axis, mode=modes[axis])
    return ndimage.correlate1d(derivative, [3.0, 10.0, 3.0], axis=1 - axis, mode=modes[1 - axis])


# Our x kernels have [1, 0, -1] columns (bright left -> positive), scipy's derivative is
# [-1, 0, 1]: so ours = -scipy, with no other scaling. axis 1 is x, axis 0 is y.
REFERENCES = {
    "sobel": lambda plane, axis, mode: -ndimage.sobel(plane, axis=axis, mode=mode),
    "prewitt": lambda plane, axis, mode: -ndimage.prewitt(plane, axis=axis, mode=mode),
    "scharr": lambda plane, axis, mode: -_scharr_reference(plane, axis, mode),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("direction", ["x", "y", "magnitude"])
@pytest.mark.parametrize("padding", sorted(SCIPY_MODES))
def test_gradients_match_scipy(name, direction, padding):
    image = _gray()
    plane, mode = image[0, 0].numpy(), SCIPY_MODES[padding]
    x, y = (REFERENCES[name](plane, axis, mode) for axis in (1, 0))
    expected = {"x": x, "y": y, "magnitude": np.hypot(x, y)}[direction]
    out = F.edge_response(image, name, direction=direction, padding=padding)
    np.testing.assert_allclose(out[0, 0].numpy(), expected, atol=1e-5, rtol=0)


def test_laplacian_matches_scipy():
    image = _gray()
    expected = ndimage.laplace(image[0, 0].numpy(), mode="nearest")
    out = F.edge_response(image, "laplacian", padding="replicate")
    np.testing.assert_allclose(out[0, 0].numpy(), expected, atol=1e-5, rtol=0)


def test_rgb_filters_each_channel_and_gray_uses_luma():
    image = torch.rand(1, 3, 9, 9, dtype=torch.float64)
    per_channel = F.edge_response(image, "sobel", color="rgb")
    for channel in range(3):
        single = image[:, channel : channel + 1].expand(1, 3, 9, 9)
        torch.testing.assert_close(per_channel[:, channel], F.edge_response(single, "sobel")[:, 0])
    luma = (image * torch.tensor(F.LUMA, dtype=torch.float64).view(1, 3, 1, 1)).sum(1, True)
    torch.testing.assert_close(
        F.edge_response(image, "sobel"), F.edge_response(luma.expand(1, 3, 9, 9), "sobel")
    )


def test_signed_display_maps_zero_to_mid_grey():
    flat = torch.full((1, 3, 6, 6), 0.3)
    assert torch.allclose(F.edges(flat, "sobel", display="signed"), torch.tensor(0.5))
    assert torch.allclose(F.edges(flat, "sobel", display="absolute"), torch.tensor(0.0))


def test_step_edge_reaches_full_scale():
    step = torch.tensor([[1.0] * 4 + [0.0] * 4] * 8).expand(1, 3, 8, 8)
    out = F.edges(step, "sobel", display="absolute")
    assert out.max() == 1.0 and out[0, 0, :, 0].max() == 0.0


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"name": "canny"}, "filter='canny'.*sobel"),
        ({"name": "laplacian", "direction": "y"}, "single kernel"),
        ({"name": "sobel", "padding": "wrap"}, "padding='wrap'"),
        ({"name": "sobel", "color": "hsv"}, "color='hsv'"),
        ({"name": "sobel", "stride": 0}, "stride=0"),
    ],
)
def test_bad_options_raise_config_error(options, pattern):
    with pytest.raises(ConfigError, match=pattern):
        F.edge_response(torch.rand(1, 3, 6, 6), **options)


# --- degenerate sizes: a defined result or one clear error ------------------------------------


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize(("height", "width"), [(1, 7), (7, 1), (1, 1), (2, 5)])
def test_reflect_replicates_only_a_one_pixel_side(name, height, width):
    # scipy takes one mode per axis: "nearest" (replicate) where the side is 1 px, "mirror"
    # (torch's reflect) elsewhere; an independent check of the per-axis fallback.
    image = _gray(height, width=width)
    modes = tuple("nearest" if side < 2 else "mirror" for side in (height, width))
    plane = image[0, 0].numpy()
    for direction, axis in (("x", 1), ("y", 0)):
        expected = REFERENCES[name](plane, axis, modes)
        out = F.edge_response(image, name, direction=direction, padding="reflect")
        np.testing.assert_allclose(out[0, 0].numpy(), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("padding", ["reflect", "replicate", "zero"])
@pytest.mark.parametrize("display", ["absolute", "signed"])
def test_one_pixel_keeps_its_size_and_stays_in_range(padding, display):
    pixel = torch.full((2, 3, 1, 1), 0.7)
    out = F.edges(pixel, "sobel", direction="x", display=display, padding=padding)
    assert out.shape == (2, 3, 1, 1) and out.min() >= 0 and out.max() <= 1
    if padding != "zero":  # a border copied from the pixel itself: no edge at all
        assert out.flatten().tolist() == [0.5 if display == "signed" else 0.0] * 6


@pytest.mark.parametrize("padding", ["none", "zero", "reflect", "replicate"])
@pytest.mark.parametrize(("height", "width", "stride"), [(3, 3, 4), (3, 9, 16), (8, 5, 9)])
def test_stride_larger_than_the_image_keeps_the_first_position(padding, height, width, stride):
    image = _gray(height, width=width)
    out = F.convolve(image, F.SOBEL_X, padding=padding, stride=stride)
    full = F.convolve(image, F.SOBEL_X, padding=padding)
    expected = full[..., ::stride, ::stride]
    assert out.shape[-2:] == expected.shape[-2:] and 1 in out.shape[-2:]
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize(("height", "width"), [(2, 2), (1, 7), (7, 2), (2, 40)])
@pytest.mark.parametrize("stride", [1, 5])
def test_no_padding_on_an_image_under_the_kernel_names_the_size(height, width, stride):
    with pytest.raises(ToolError, match=rf"padding='none' .* got {width}x{height} px"):
        F.edges(torch.rand(1, 3, height, width), "laplacian", padding="none", stride=stride)
