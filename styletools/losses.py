"""The building blocks of the style-transfer cost.

J(G) = α·Ĵ_content(C, G) + β·Σ_l λ_l·Ĵ_style^l(S, G)  (+ an optional total-variation term),
each Ĵ a :func:`scaled_mse` on activations or on :func:`gram_matrix` outputs.

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
        return _channel_products(features) / (features.shape[-2] * features.shape[-1])

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


def _channel_products(features: torch.Tensor) -> torch.Tensor:
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


def scaled_mse(generated: torch.Tensor, target: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Σd² / Σ|d| with d = generated − target: a squared error whose gradient has L1 norm ≈ 1.

    The course's costs have gradients that differ by orders of magnitude between layers and
    image sizes, and a plain squared error's pull vanishes near its target. L-BFGS does not
    care how J is scaled, so from a content start a short run follows the style gradient
    alone whatever β is. Normalised terms (as in crowsonkb/style-transfer-pytorch and
    neural-style's ``-normalize_gradients``) make a term's weight its share of the step,
    at every size.

    Args:
        generated: Activations or Gram matrices of the generated image.
        target: The same for the target, broadcastable.

    >>> float(scaled_mse(torch.tensor([3.0, -1.0]), torch.zeros(2)))
    2.5
    """
    diff = generated - target
    return diff.pow(2).sum() / diff.abs().sum().add(eps)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels: a smoothness prior.

    Args:
        images: ``(N, 3, H, W)``.
    """
    dx = images[..., :, 1:] - images[..., :, :-1]
    dy = images[..., 1:, :] - images[..., :-1, :]
    return dx.pow(2).mean() + dy.pow(2).mean()
