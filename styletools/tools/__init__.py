"""The image-tool plugin suite: one registry, typed parameters, sample-then-apply.

Front ends know tools only through a :class:`ToolRegistry`::

    from styletools.tools import default_registry
    registry = default_registry()              # built-ins + entry-point plugins
    registry.list("edge*")                     # names, natural order
    tool = registry.create("crop", {"scale": "0.6-1.0"})
    for spec in tool.specs(): ...              # build CLI options / widgets from ParamSpec
    drawn = tool.make_params(images, generator=torch.Generator().manual_seed(0))
    out = tool.apply(images, drawn)            # drawn: list of JSON-able dicts, one per image

Built-in tools are listed once, in :data:`BUILTIN_TOOLS`; third-party packages add theirs
through the entry-point group ``styletools.tools`` (a Tool subclass or a list of them).
Nothing is registered at import: :func:`default_registry` builds a fresh registry per call.
"""

from __future__ import annotations

from styletools.params import FloatRange, ParamSpec, param, param_specs, parse_params
from styletools.tools import augment, edges, fast_stylize, stylize
from styletools.tools.registry import (
    DEFAULT_SEED,
    ENTRY_POINT_GROUP,
    BrokenPlugin,
    NoParams,
    SampleParams,
    Tool,
    ToolRegistry,
    check_images,
    normalize_name,
)

#: Every built-in tool, in one place. Families add their ``TOOLS`` tuple here.
BUILTIN_TOOLS: tuple[type[Tool], ...] = (
    *edges.TOOLS,
    *augment.TOOLS,
    *stylize.TOOLS,
    *fast_stylize.TOOLS,
)


def default_registry(*, plugins: bool = True) -> ToolRegistry:
    """A new registry with the built-in tools and, unless ``plugins=False``, the plugins.

    Broken plugins are listed in ``registry.broken`` instead of raising.
    """
    registry = ToolRegistry(BUILTIN_TOOLS)
    if plugins:
        registry.load_entry_points()
    return registry


__all__ = [
    "BUILTIN_TOOLS",
    "DEFAULT_SEED",
    "ENTRY_POINT_GROUP",
    "BrokenPlugin",
    "FloatRange",
    "NoParams",
    "ParamSpec",
    "SampleParams",
    "Tool",
    "ToolRegistry",
    "check_images",
    "default_registry",
    "normalize_name",
    "param",
    "param_specs",
    "parse_params",
]
