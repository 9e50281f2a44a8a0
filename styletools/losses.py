"""The building blocks of the style-transfer cost.

J(G) = α·Ĵ_content(C, G) + β·Σ_l λ_l·Ĵ_style^l(S, G)  (+ an optional total-variation term),
each Ĵ a :func:`relative_squared_error` on activations or on :func:`gram_matrix` outputs.

Shape:
    Activations are ``(N, n_C, n_H, n_W)``; Gram matrices ``(N, n_C, n_C)``; costs are scalars.
"""

from __future__ import annotations

import torch

from styletools import onednn


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix of activations, divided by the number of positions n_H·n_W.

    The course's G = A·Aᵀ is unnormalised; dividing by n_H·n_W here lets a style image of
    another size be compared fairly.

    Args:
        features: ``(N, C, H, W)`` activations (any memory layout).

    Returns:
        ``(N, C, C)``.

    >>> gram_matrix(torch.ones(1, 2, 3, 3))
    tensor([[[1., 1.],
             [1., 1.]]])
    """
    return _Gram.apply(features)


class _Gram(torch.autograd.Function):
    """Ĝ = AAᵀ / P with the one-product backward dA = (dĜ + dĜᵀ)·A / P.

    Autograd's own backward runs two products plus copies through the channels_last view;
    at 512 px it cost 3-7x the forward and ~15 % of a whole transfer step.
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, features: torch.Tensor
    ) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(features)
        return channel_products(features) / (features.shape[-2] * features.shape[-1])

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor
    ) -> torch.Tensor:  # type: ignore[override]
        (features,) = ctx.saved_tensors  # type: ignore[attr-defined]
        # Divide the small C x C matrix, not the (N, C, H, W) product: it is memory-bound.
        positions = features.shape[-2] * features.shape[-1]
        return _mix_channels(features, (grad + grad.transpose(1, 2)) / positions)


# On a CPU, torch's matrix products go to MKL, which runs AMD processors on a slow code path
# (measured 160 GFLOP/s where oneDNN's convolutions reach 450 on the same 2 cores). A Gram
# matrix is the weight gradient of a 1×1 convolution and its backward is a 1×1 convolution,
# which oneDNN runs 1.7-2.5x faster here. GPUs keep the batched matrix product (cuBLAS).


def channel_products(features: torch.Tensor) -> torch.Tensor:
    """Σ over positions of a_c·a_c' for every pair of channels: ``(N, C, H, W) -> (N, C, C)``."""
    n, c, h, w = features.shape
    if not onednn.usable(features):
        # (N, HW, C) is a free view of a channels_last tensor, so no copy is made per step.
        matrix = features.permute(0, 2, 3, 1).reshape(n, h * w, c)
        return torch.bmm(matrix.transpose(1, 2), matrix)
    kernel = features.new_empty((c, c, 1, 1))
    return torch.stack(
        [
            _one_by_one_weight_gradient(sample, kernel).view(c, c)
            for sample in features.contiguous(memory_format=torch.channels_last).split(1)
        ]
    )


def _one_by_one_weight_gradient(features: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """dW = Σ_p g_p·x_pᵀ of a 1×1 convolution, with the activations as both g and x: AAᵀ."""
    no_bias, stride, padding, dilation, transposed, output_padding, groups = (
        None, (1, 1), (0, 0), (1, 1), False, (0, 0), 1
    )  # fmt: skip
    return torch.ops.aten.convolution_backward(
        features, features, kernel, no_bias, stride, padding, dilation,
        transposed, output_padding, groups, (False, True, False),
    )[1]  # fmt: skip


def _mix_channels(features: torch.Tensor, mixing: torch.Tensor) -> torch.Tensor:
    """Each position's channel vector times a symmetric matrix: ``(N, C, H, W), (N, C, C)``."""
    n, c, h, w = features.shape
    if not onednn.usable(features):
        matrix = features.permute(0, 2, 3, 1).reshape(n, h * w, c)
        return torch.bmm(matrix, mixing).view(n, h, w, c).permute(0, 3, 1, 2)
    mixed = [
        torch.nn.functional.conv2d(sample, matrix[..., None, None])
        for sample, matrix in zip(features.split(1), mixing, strict=True)
    ]
    return mixed[0] if n == 1 else torch.cat(mixed)


def relative_squared_error(
    generated: torch.Tensor, target: torch.Tensor, baseline: torch.Tensor
) -> torch.Tensor:
    """Σ(generated − target)² / baseline: how much of a reference error is left.

    Plain squared errors differ by orders of magnitude between layers, image sizes and
    paintings (the photo's Gram gap to a bright mosaic is 14× its gap to Starry Night), so
    one weight meant different pictures for each. Dividing by a per-image baseline makes
    each term a share: the content term is the share of the photo's features lost (baseline
    Σ target²), a style term the share of the photo's Gram gap to the painting still left
    (baseline Σ(photo − painting)², so it is 1 at the photo). Both pulls grow with the
    distance to their target, so a weight ratio has one balanced optimum for every pair and
    size. A normalised *gradient* (Σd²/Σ|d|, crowsonkb/style-transfer-pytorch's choice, tried
    here first) pulls with the same force at any distance: the balance had no middle, and a
    small change of weight jumped from the photo to the painting.

    Args:
        generated: Activations or Gram matrices of the generated image(s).
        target: The same for the target, broadcastable.
        baseline: The reference error, from :func:`squared_error_baseline`.

    >>> float(relative_squared_error(torch.tensor([3.0, -1.0]), torch.zeros(2), torch.tensor(5.0)))
    2.0
    """
    return (generated - target).pow(2).sum() / baseline


#: Smallest baseline, relative to the target's own size: a photo that already has the
#: painting's Grams (the painting itself) has no gap, and its term must stay finite.
BASELINE_FLOOR = 1e-6


def squared_error_baseline(reference: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Σ(reference − target)², floored at :data:`BASELINE_FLOOR`·Σ target² (detached).

    >>> float(squared_error_baseline(torch.tensor([3.0, -1.0]), torch.zeros(2)))
    10.0
    >>> f"{float(squared_error_baseline(torch.ones(4), torch.ones(4))):.1e}"
    '4.0e-06'
    """
    with torch.no_grad():
        gap = (reference - target).pow(2).sum()
        return gap.clamp_min(BASELINE_FLOOR * target.expand_as(reference).pow(2).sum())


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels: a smoothness prior.

    Args:
        images: ``(N, 3, H, W)``.
    """
    dx = images[..., :, 1:] - images[..., :, :-1]
    dy = images[..., 1:, :] - images[..., :-1, :]
    return dx.pow(2).mean() + dy.pow(2).mean()
