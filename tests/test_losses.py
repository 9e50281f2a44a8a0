"""The cost blocks of styletools.losses against values worked out by hand and by numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from styletools.losses import (
    BASELINE_FLOOR,
    gram_matrix,
    relative_squared_error,
    squared_error_baseline,
    total_variation,
)

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


def numpy_relative_squared_error(
    generated: np.ndarray, target: np.ndarray, baseline: float
) -> float:
    """Σd² / baseline in float64."""
    diff = generated.astype(np.float64) - target.astype(np.float64)
    return float((diff**2).sum() / baseline)


def test_relative_squared_error_by_hand():
    # A − B: channel 0 = [0, 1, 2, 3], channel 1 = [0, 1, -1, 2]: Σd² = 20.
    assert relative_squared_error(A, B, torch.tensor(8.0)).item() == pytest.approx(2.5)


@pytest.mark.parametrize("shape", [(1, 3, 4, 5), (1, 64, 8, 8), (2, 16, 16)])
def test_relative_squared_error_equals_numpy(shape, generator):
    generated = torch.rand(shape, generator=generator)
    target = torch.rand(shape, generator=generator)
    expected = numpy_relative_squared_error(generated.numpy(), target.numpy(), 3.0)
    assert relative_squared_error(generated, target, torch.tensor(3.0)).item() == pytest.approx(
        expected, rel=1e-5
    )


def test_relative_squared_error_broadcasts_a_single_target():
    doubled = relative_squared_error(torch.cat([A, A]), B, torch.tensor(10.0))
    assert doubled.item() == pytest.approx(4.0)


def test_baseline_is_the_squared_error_of_the_reference():
    assert squared_error_baseline(A, B).item() == pytest.approx(20.0)
    # ... so the reference itself scores exactly 1: the photo has all of its Gram gap left.
    assert relative_squared_error(A, B, squared_error_baseline(A, B)).item() == pytest.approx(1.0)


def test_baseline_of_a_reference_on_its_target_is_floored_not_zero():
    # The painting as the photo: no gap. Σ A² = 30 + 6 = 36 per sample, two samples.
    floor = squared_error_baseline(torch.cat([A, A]), A).item()
    assert floor == pytest.approx(BASELINE_FLOOR * 72)
    generated = A.clone().requires_grad_(True)
    cost = relative_squared_error(generated, A, torch.tensor(floor))
    cost.backward()
    assert cost.item() == 0.0
    assert torch.isfinite(generated.grad).all()


def test_the_pull_grows_with_the_distance(generator):
    # The property that gives the strength knob a middle ground: twice as far from its
    # target, a term pulls twice as hard, so a weight ratio has one balanced optimum. (The
    # previous Σd²/Σ|d| pulled equally at every distance, and the picture jumped.)
    diff = torch.randn(3, 8, 8, generator=generator, dtype=torch.float64)
    grads = []
    for scale in (1.0, 2.0):
        generated = (diff * scale).requires_grad_(True)
        baseline = torch.tensor(7.0, dtype=torch.float64)
        relative_squared_error(generated, torch.zeros_like(diff), baseline).backward()
        grads.append(generated.grad)
    torch.testing.assert_close(grads[1], 2 * grads[0])
    torch.testing.assert_close(grads[0], 2 * diff / 7.0)


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
