"""The cost blocks of styletools.losses against values worked out by hand and by numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from styletools.losses import gram_matrix, scaled_mse, total_variation

# A (1, 2, 2, 2) activation. Flattened: a0 = [1, 2, 3, 4], a1 = [0, 1, -1, 2], so
# A·Aᵀ = [[a0·a0, a0·a1], [a1·a0, a1·a1]] = [[30, 7], [7, 6]].
A = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [-1.0, 2.0]]]])
# b0 = [1, 1, 1, 1], b1 = [0, 0, 0, 0]: B·Bᵀ = [[4, 0], [0, 0]].
B = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]]])


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


def numpy_scaled_mse(generated: np.ndarray, target: np.ndarray) -> float:
    """Σd² / Σ|d| in float64."""
    diff = generated.astype(np.float64) - target.astype(np.float64)
    return float((diff**2).sum() / np.abs(diff).sum())


def test_scaled_mse_by_hand():
    # A − B: channel 0 = [0, 1, 2, 3], channel 1 = [0, 1, -1, 2]: Σd² = 20, Σ|d| = 10.
    assert scaled_mse(A, B).item() == pytest.approx(2.0)


@pytest.mark.parametrize("shape", [(1, 3, 4, 5), (1, 64, 8, 8), (2, 16, 16)])
def test_scaled_mse_equals_numpy(shape, generator):
    generated = torch.rand(shape, generator=generator)
    target = torch.rand(shape, generator=generator)
    expected = numpy_scaled_mse(generated.numpy(), target.numpy())
    assert scaled_mse(generated, target).item() == pytest.approx(expected, rel=1e-5)


def test_scaled_mse_broadcasts_a_single_target():
    assert scaled_mse(torch.cat([A, A]), B).item() == pytest.approx(2.0)


def test_scaled_mse_is_zero_without_nan_on_its_target():
    generated = A.clone().requires_grad_(True)
    cost = scaled_mse(generated, A)
    cost.backward()
    assert cost.item() == 0.0
    assert torch.isfinite(generated.grad).all()


def test_scaled_mse_gradient_has_unit_l1_norm_on_equal_magnitudes():
    # d = ±m everywhere, n entries: Σd² = n·m², Σ|d| = n·m, and each partial derivative is
    # (2d·Σ|d| − Σd²·sign d) / (Σ|d|)² = sign(d) / n, so the gradient's L1 norm is exactly 1.
    signs = torch.tensor([1.0, -1.0, -1.0, 1.0, 1.0, -1.0])
    for magnitude in (1e-3, 1.0, 250.0):
        generated = (signs * magnitude).requires_grad_(True)
        scaled_mse(generated, torch.zeros(6)).backward()
        torch.testing.assert_close(generated.grad, signs / 6)


def test_scaled_mse_gradient_does_not_shrink_with_the_error(generator):
    # A plain squared error's pull falls with the distance to its target; this one's does not:
    # the gradient is the same at any scale of the error, so a term near its target still pulls.
    diff = torch.randn(3, 8, 8, generator=generator, dtype=torch.float64)
    grads = []
    for scale in (1e-4, 1.0, 1e4):
        generated = (diff * scale).requires_grad_(True)
        scaled_mse(generated, torch.zeros_like(diff)).backward()
        grads.append(generated.grad)
    torch.testing.assert_close(grads[0], grads[1])
    torch.testing.assert_close(grads[2], grads[1])


def test_total_variation_of_a_2x2_image_by_hand():
    image = torch.zeros(1, 3, 2, 2)
    image[0, 0] = torch.tensor([[0.0, 1.0], [3.0, 5.0]])
    # Horizontal neighbours: (1−0)², (5−3)² → 5 over 6 differences (3 channels × 2 rows);
    # vertical: (3−0)², (5−1)² → 25 over 6. Mean + mean = 5/6 + 25/6 = 5.
    assert total_variation(image).item() == pytest.approx(5.0)


def test_total_variation_is_zero_on_a_flat_image():
    assert total_variation(torch.full((1, 3, 4, 4), 0.3)).item() == 0.0


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
