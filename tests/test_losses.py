"""Costs of styletools.losses against values worked out by hand and by a numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from styletools.losses import (
    content_cost,
    default_layer_weights,
    gram_matrix,
    style_cost,
    total_variation,
)

# A (1, 2, 2, 2) activation. Flattened: a0 = [1, 2, 3, 4], a1 = [0, 1, -1, 2], so
# A·Aᵀ = [[a0·a0, a0·a1], [a1·a0, a1·a1]] = [[30, 7], [7, 6]].
A = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [-1.0, 2.0]]]])
# b0 = [1, 1, 1, 1], b1 = [0, 0, 0, 0]: B·Bᵀ = [[4, 0], [0, 0]].
B = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]]])


def numpy_course_style_cost(s: np.ndarray, g: np.ndarray) -> float:
    """1/(2·n_H·n_W·n_C)² Σ (G_S − G_G)² with the course's unnormalised G = A·Aᵀ (N = 1)."""
    _, c, h, w = s.shape
    a_s, a_g = s.reshape(c, h * w).astype(np.float64), g.reshape(c, h * w).astype(np.float64)
    return float(((a_s @ a_s.T - a_g @ a_g.T) ** 2).sum() / (2 * h * w * c) ** 2)


def numpy_course_content_cost(c_act: np.ndarray, g_act: np.ndarray) -> float:
    """1/(4·n_H·n_W·n_C) Σ (a_C − a_G)² (N = 1)."""
    _, c, h, w = c_act.shape
    diff = c_act.astype(np.float64) - g_act.astype(np.float64)
    return float((diff**2).sum() / (4 * h * w * c))


def test_gram_matrix_of_hand_built_activation_is_a_at_divided_by_positions():
    expected = torch.tensor([[[30.0, 7.0], [7.0, 6.0]]]) / 4.0
    torch.testing.assert_close(gram_matrix(A), expected)


def test_gram_matrix_ignores_memory_layout():
    torch.testing.assert_close(
        gram_matrix(A.contiguous(memory_format=torch.channels_last)), gram_matrix(A)
    )


def test_gram_matrix_is_size_independent_for_a_tiled_activation():
    # Tiling the map 2x2 quadruples A·Aᵀ and the number of positions: the normalised Gram
    # stays the same, which is why styles of another size compare fairly.
    tiled = A.repeat(1, 1, 2, 2)
    torch.testing.assert_close(gram_matrix(tiled), gram_matrix(A))


def test_gram_matrix_keeps_the_batch_apart():
    grams = gram_matrix(torch.cat([A, B]))
    assert grams.shape == (2, 2, 2)
    torch.testing.assert_close(grams[1], torch.tensor([[1.0, 0.0], [0.0, 0.0]]))


def test_style_cost_by_hand():
    # G_S − G_G = [[26, 7], [7, 6]]: Σ² = 676 + 49 + 49 + 36 = 810; (2·2·2·2)² = 256.
    cost = style_cost(gram_matrix(A), gram_matrix(B))
    assert cost.item() == pytest.approx(810 / 256)


@pytest.mark.parametrize("shape", [(1, 3, 4, 5), (1, 8, 6, 6), (1, 16, 3, 7)])
def test_style_cost_on_normalised_grams_equals_the_course_formula(shape, generator):
    style = torch.rand(shape, generator=generator)
    generated = torch.rand(shape, generator=generator)
    expected = numpy_course_style_cost(style.numpy(), generated.numpy())
    cost = style_cost(gram_matrix(generated), gram_matrix(style))
    assert cost.item() == pytest.approx(expected, rel=1e-5)


def test_style_cost_is_symmetric_and_zero_on_equal_grams():
    assert style_cost(gram_matrix(A), gram_matrix(A)).item() == 0.0
    assert style_cost(gram_matrix(A), gram_matrix(B)) == style_cost(gram_matrix(B), gram_matrix(A))


def test_style_cost_averages_over_the_batch_and_broadcasts_a_single_target():
    batch = gram_matrix(torch.cat([A, A]))
    torch.testing.assert_close(style_cost(batch, gram_matrix(B)), torch.tensor(810 / 256))


def test_content_cost_by_hand():
    # a_C − a_G: channel 0 = [0, 1, 2, 3] (Σ² = 14), channel 1 = [0, 1, -1, 2] (Σ² = 6);
    # 20 / (4·2·2·2) = 0.625.
    assert content_cost(A, B).item() == pytest.approx(0.625)


@pytest.mark.parametrize("shape", [(1, 3, 4, 5), (1, 64, 8, 8)])
def test_content_cost_equals_the_course_formula(shape, generator):
    target = torch.rand(shape, generator=generator)
    generated = torch.rand(shape, generator=generator)
    expected = numpy_course_content_cost(target.numpy(), generated.numpy())
    assert content_cost(generated, target).item() == pytest.approx(expected, rel=1e-5)


def test_content_cost_averages_over_the_batch():
    assert content_cost(torch.cat([A, A]), B).item() == pytest.approx(0.625)


def test_total_variation_of_a_2x2_image_by_hand():
    image = torch.zeros(1, 3, 2, 2)
    image[0, 0] = torch.tensor([[0.0, 1.0], [3.0, 5.0]])
    # Horizontal neighbours: (1−0)², (5−3)² → 5 over 6 differences (3 channels × 2 rows);
    # vertical: (3−0)², (5−1)² → 25 over 6. Mean + mean = 5/6 + 25/6 = 5.
    assert total_variation(image).item() == pytest.approx(5.0)


def test_total_variation_is_zero_on_a_flat_image():
    assert total_variation(torch.full((1, 3, 4, 4), 0.3)).item() == 0.0


def test_content_cost_gradient_by_hand():
    # d/da Σ (a − b)² / 32 = 2 (a − b) / 32 = (a − b) / 16.
    generated = A.clone().requires_grad_(True)
    content_cost(generated, B).backward()
    torch.testing.assert_close(generated.grad, (A - B) / 16)


@pytest.mark.parametrize(
    ("channels", "expected"),
    [([64], [1.0]), ([64, 128, 256, 512], [1.0, 0.25, 0.0625, 1 / 64])],
)
def test_default_layer_weights_are_64_over_channels_squared(channels, expected):
    assert default_layer_weights(channels) == pytest.approx(expected)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize(("dtype", "tolerance"), [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_gram_gradient_equals_autograd_of_the_plain_formula(channels_last, dtype, tolerance):
    # gram_matrix has a hand-written backward (one product); it must agree with autograd
    # through the textbook A·Aᵀ / (n_H·n_W), for either memory layout. float32 on the CPU
    # runs the oneDNN kernels, float64 the batched matrix product.
    generator = torch.Generator().manual_seed(0)
    features = torch.rand(2, 3, 4, 5, generator=generator, dtype=torch.float64)
    weights = torch.rand(2, 3, 3, generator=generator, dtype=torch.float64)
    ours = features.to(dtype, copy=True)
    if channels_last:
        ours = ours.contiguous(memory_format=torch.channels_last)
    ours.requires_grad_(True)
    gram = gram_matrix(ours)
    (gram * weights.to(dtype)).sum().backward()
    plain = features.clone().requires_grad_(True)
    flat = plain.reshape(2, 3, 20)
    expected = flat @ flat.transpose(1, 2) / 20
    (expected * weights).sum().backward()
    torch.testing.assert_close(gram.double(), expected, rtol=tolerance, atol=tolerance)
    torch.testing.assert_close(ours.grad.double(), plain.grad, rtol=tolerance, atol=tolerance)


def test_gram_backward_passes_gradcheck():
    features = torch.rand(
        2, 3, 4, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    assert torch.autograd.gradcheck(
        lambda f: gram_matrix(f), (features.clone().requires_grad_(True),)
    )
