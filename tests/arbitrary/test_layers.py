"""The networks' building blocks: float32 statistics and TensorFlow's padding."""

from __future__ import annotations

import pytest
import torch

from styletools.arbitrary.layers import moments, tf_same_padding


@pytest.fixture(autouse=True)
def seeded() -> None:
    torch.manual_seed(0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_moments_are_float32_and_match_var_mean(dtype):
    x = torch.randn(2, 4, 9, 7).to(dtype)
    var, mean = moments(x)
    reference_var, reference_mean = torch.var_mean(
        x.float(), dim=(2, 3), keepdim=True, correction=0
    )
    assert var.dtype == mean.dtype == torch.float32 and var.shape == (2, 4, 1, 1)
    torch.testing.assert_close(var, reference_var, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(mean, reference_mean, atol=1e-6, rtol=1e-5)


def test_moments_of_a_nearly_flat_map_do_not_cancel():
    x = 100.0 + 1e-2 * torch.randn(1, 2, 64, 64)
    var, _ = moments(x)
    reference, _ = torch.var_mean(x, dim=(2, 3), keepdim=True, correction=0)
    torch.testing.assert_close(var, reference, rtol=1e-3, atol=0)


@pytest.mark.parametrize("size", [1, 2, 5, 8, 255, 256])
def test_tf_same_padding_gives_ceil_size_over_stride(size):
    left, right, top, bottom = tf_same_padding(size, size, 3, 2)
    assert (left, right) == (top, bottom)
    assert (size + left + right - 3) // 2 + 1 == -(-size // 2)
    assert right - left in (0, 1)  # TF puts the odd pixel at the end
