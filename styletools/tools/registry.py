"""The tool base class and the registry object every front end goes through.

A tool is a subclass of :class:`Tool` that declares, once:

* ``name`` — the registry key, kebab-case (``pca-color``); lookup also accepts ``pca_color``;
* ``summary`` — one line for listings;
* ``family`` — a group for listings and shortcuts (``edges``, ``augment``, ``style``, ...);
* ``random`` — whether :meth:`Tool.make_params` draws anything;
* ``masked`` — whether :meth:`Tool.apply` takes a mask per image (the style tools);
* ``Params`` — a frozen dataclass built with :func:`~styletools.params.param`.

Applying a tool is split in two, as in ``torchvision.transforms.v2``:

1. ``make_params(images, *, generator)`` draws the random choices from an explicit
   :class:`torch.Generator` and returns **one plain JSON-able dict per sample** (a list of
   length ``N``; deterministic tools return ``N`` empty dicts);
2. ``apply(images, params)`` applies those choices and is a pure function of
   ``(self.params, images, params)``.

So a front end that must record what happened (the batch manifest) does::

    tool = registry.create("rotate", {"degrees": "-10-10"})
    drawn = tool.make_params(images, generator=torch.Generator().manual_seed(seed))
    out = tool.apply(images, drawn)
    record = {"tool": tool.name, "config": tool.config(), "drawn": drawn}   # json.dumps-able
    # replay, later, bit-exact on the same device:
    registry.create(record["tool"], record["config"]).apply(images, record["drawn"])

Tools are picklable (plain attributes only) and keep the dtype and device of their input.

A ``masked`` tool confines its effect to a region: ``apply(images, drawn, masks=masks)``
keeps the input where a mask is 0, applies the tool where it is 1 and blends in between, so
a batch can stylise a segmentation's foreground and keep its background as it was.

Shape:
    images: ``(N, 3, H, W)`` floating point in [0, 1], any device; output the same
    unless a parameter changes the size (crop ``size``, edge ``stride``/``padding=none``).
    masks: ``(N, 1, H, W)`` floating point in [0, 1], the images' size.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, is_dataclass
from importlib import metadata
from typing import Any, ClassVar

import torch

from styletools.errors import ShapeError, StyletoolsError, ToolError
from styletools.masks import composite
from styletools.params import (
    ParamSpec,
    check_params,
    format_value,
    param_specs,
    params_to_json,
    parse_params,
)

#: Entry-point group through which third-party packages add tools.
ENTRY_POINT_GROUP = "styletools.tools"
#: Default seed of :meth:`Tool.__call__` when no generator is given.
DEFAULT_SEED = 0
#: One sample's drawn parameters: plain JSON data (numbers, bools, strings, lists).
SampleParams = dict[str, Any]
#: Parameter names the front ends use for their own options (``apply -o``, ``--seed``...).
RESERVED_PARAMS = frozenset({"output", "seed", "overwrite", "device", "help"})
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class NoParams:
    """Parameters of a tool that has none."""


def normalize_name(name: str) -> str:
    """Registry key for a name: lower case, ``_`` and spaces become ``-``."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def check_images(images: object, *, name: str = "images") -> torch.Tensor:
    """Check the common input contract of every tool.

    Args:
        images: Should be a floating-point tensor ``(N, 3, H, W)``.
        name: Argument name for the message.

    Returns:
        ``images``, unchanged.

    Raises:
        ToolError: Not a tensor, or not floating point.
        ShapeError: Not of shape ``(N, 3, H, W)``.
    """
    if not isinstance(images, torch.Tensor):
        raise ToolError(f"{name}: expected a torch.Tensor, got {type(images).__name__}")
    if images.dim() != 4 or images.shape[1] != 3:
        raise ShapeError(name, "(N, 3, H, W)", tuple(images.shape))
    if not images.is_floating_point():
        raise ToolError(f"{name}: expected a floating-point tensor in [0, 1], got {images.dtype}")
    return images


def check_image_masks(tool: str, images: torch.Tensor, masks: object) -> torch.Tensor:
    """Check the masks of :meth:`Tool.apply` against the (checked) images they go with.

    Args:
        tool: The tool's name, for the message.
        images: ``(N, 3, H, W)``.
        masks: Should be a floating-point tensor ``(N, 1, H, W)`` in [0, 1], on the images'
            device.

    Returns:
        ``masks``, unchanged.

    Raises:
        ToolError: Not a floating-point tensor, on another device, or values outside [0, 1].
        ShapeError: Not one ``(1, H, W)`` mask per image at the images' size.
    """
    if not isinstance(masks, torch.Tensor) or not masks.is_floating_point():
        got = masks.dtype if isinstance(masks, torch.Tensor) else type(masks).__name__
        raise ToolError(f"{tool}: masks: expected a floating-point tensor in [0, 1], got {got}")
    batch, _, height, width = images.shape
    if tuple(masks.shape) != (batch, 1, height, width):
        raise ShapeError(f"{tool}: masks", f"({batch}, 1, {height}, {width})", tuple(masks.shape))
    if masks.device != images.device:
        raise ToolError(f"{tool}: masks: on {masks.device}, the images on {images.device}")
    if bool((masks < 0).any() or (masks > 1).any()):
        low, high = float(masks.min()), float(masks.max())
        raise ToolError(f"{tool}: masks: expected values in [0, 1], got [{low:g}, {high:g}]")
    return masks


class Tool:
    """Base class of every image tool: declaration, draw/apply split, checks, repr.

    Subclasses set the class attributes and implement :meth:`transform` (whole batch) or
    :meth:`transform_sample` (one image); random tools implement :meth:`draw`. A ``masked``
    tool gets :meth:`transform_masked` for free (its output blended through the masks) and
    overrides it only when its kernel takes the mask itself.

    Args:
        params: An instance of ``self.Params``; ``None`` uses the defaults.

    Raises:
        ToolError: ``params`` is not an instance of ``self.Params``.
        ConfigError: A parameter is outside its allowed set.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    family: ClassVar[str] = "other"
    random: ClassVar[bool] = False
    #: Whether :meth:`apply` takes masks. Set by the tools that paint a style: a mask keeps a
    #: region of the photo as it was. Geometric augmentations leave it off, since a mask
    #: cannot say which of their pixels is "the input's".
    masked: ClassVar[bool] = False
    Params: ClassVar[type] = NoParams

    def __init__(self, params: Any = None) -> None:
        params = self.Params() if params is None else params
        if not isinstance(params, self.Params):
            raise ToolError(f"{self.name}: expected {self.Params.__qualname__}, got {params!r}")
        check_params(self.name, params)
        self.params = params

    # --- declaration ------------------------------------------------------------------------

    @classmethod
    def specs(cls) -> tuple[ParamSpec, ...]:
        """The parameter descriptions front ends build their options from."""
        return param_specs(cls.Params)

    @classmethod
    def from_values(cls, values: Mapping[str, Any] | None = None) -> Tool:
        """Create the tool from text or JSON values (see :func:`parse_params`)."""
        return cls(parse_params(cls.name, cls.Params, values))

    def config(self) -> dict[str, Any]:
        """The tool's parameters as plain JSON data; :meth:`from_values` reads it back."""
        return params_to_json(self.params)

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{spec.name}={format_value(getattr(self.params, spec.name))}" for spec in self.specs()
        )
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.params))

    # --- sample, then apply -----------------------------------------------------------------

    def make_params(
        self, images: torch.Tensor, *, generator: torch.Generator
    ) -> list[SampleParams]:
        """Draw one plain-data dict per sample from ``generator``.

        Args:
            images: ``(N, 3, H, W)``; only its size is used by the built-in tools.
            generator: A CPU :class:`torch.Generator`; the only source of randomness.

        Returns:
            ``N`` JSON-able dicts, drawn in sample order.
        """
        check_images(images)
        height, width = images.shape[-2:]
        return [self.draw(height, width, generator=generator) for _ in range(images.shape[0])]

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        """Draw one sample's parameters for an image of ``height`` x ``width`` pixels."""
        return {}

    def apply(
        self,
        images: torch.Tensor,
        params: Sequence[SampleParams],
        *,
        masks: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Apply drawn parameters: a pure function, the same output for the same input.

        Args:
            images: ``(N, 3, H, W)`` float in [0, 1]; not modified.
            params: ``N`` dicts from :meth:`make_params` (or from a JSON record).
            masks: For a ``masked`` tool, ``(N, 1, H, W)`` float in [0, 1] or ``None``: where
                a mask is 1 the tool applies, where 0 the image is kept, in between they blend.

        Returns:
            ``(N, 3, H', W')`` float in [0, 1], same dtype and device as ``images``.

        Raises:
            ShapeError: ``images`` is not ``(N, 3, H, W)``, or ``masks`` not ``(N, 1, H, W)``.
            ToolError: ``images`` is not a float tensor, ``params`` has the wrong length, or
                the tool takes no masks.
        """
        check_images(images)
        if len(params) != images.shape[0]:
            raise ToolError(
                f"{self.name}: got {len(params)} parameter sets for {images.shape[0]} images"
            )
        if masks is None:
            return self.transform(images, params)
        if not self.masked:
            raise ToolError(f"{self.name}: takes no mask; the tools that paint a style do")
        return self.transform_masked(images, params, check_image_masks(self.name, images, masks))

    def transform(self, images: torch.Tensor, params: Sequence[SampleParams]) -> torch.Tensor:
        """Apply to a checked batch; the default calls :meth:`transform_sample` per image."""
        return each_sample(len(params), lambda i: self.transform_sample(images[i : i + 1],
                                                                        params[i]))

    def transform_masked(
        self, images: torch.Tensor, params: Sequence[SampleParams], masks: torch.Tensor
    ) -> torch.Tensor:
        """Apply through checked masks: the tool's output blended onto the input.

        ``out = (1 - mask) * images + mask * transform(images)``
        (:func:`styletools.masks.composite`), so a 0 keeps the input bit for bit and a 1
        gives the tool's output bit for bit. A tool whose kernel can use the mask itself (the
        optimisation's region-guided style) overrides this.

        Raises:
            ToolError: The tool's output does not have the input's size.
        """
        out = self.transform(images, params)
        if out.shape != images.shape:
            raise ToolError(f"{self.name}: makes {out.shape[-1]}x{out.shape[-2]} px from "
                            f"{images.shape[-1]}x{images.shape[-2]} px, so a mask cannot apply")
        return composite(images, [out], [masks]).to(images.dtype)

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        """Apply to one ``(1, 3, H, W)`` image; override this or :meth:`transform`."""
        raise NotImplementedError(f"{type(self).__name__} implements no transform")

    def __call__(
        self, images: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Draw and apply in one go; without a generator, one seeded with ``DEFAULT_SEED``."""
        if generator is None:
            generator = torch.Generator().manual_seed(DEFAULT_SEED)
        return self.apply(images, self.make_params(images, generator=generator))


def each_sample(count: int, sample: Callable[[int], torch.Tensor]) -> torch.Tensor:
    """``sample(i)`` for each of ``count`` images, concatenated; a single one is not copied.

    The one per-image loop of the tools: tools whose images differ in what they draw (or
    whose kernels take one image) run through it.
    """
    samples = [sample(i) for i in range(count)]
    return samples[0] if count == 1 else torch.cat(samples)


@contextlib.contextmanager
def naming_image(tool: str, source: str | None = None) -> Iterator[None]:
    """Reword a package error raised while ``tool`` runs on ``source`` to name both.

    A tool's own message says what it refuses and, for a size, which size; only the front
    end knows the file. The CLI and the app wrap each tool call in this block, so every front
    end words a refusal the same way, on one line:
    ``one_pixel.png: sobel: padding='none' needs an image of at least 3x3 px ..., got 1x1 px``.
    A front end that shows the file beside the message (as the batch does) leaves ``source`` out.
    Anything that is not a :class:`StyletoolsError` is a bug and passes through untouched.

    Args:
        tool: The tool's registry name.
        source: The image as the user knows it (a path on the command line, a base name in
            the web app, never a server path), or ``None``.

    Raises:
        ToolError: A :class:`StyletoolsError` was raised inside the block.

    >>> with naming_image("sobel", "tiny.png"):
    ...     raise ToolError("got 2x2 px")
    Traceback (most recent call last):
    styletools.errors.ToolError: tiny.png: sobel: got 2x2 px
    """
    try:
        yield
    except StyletoolsError as error:
        where = f"{source}: {tool}" if source is not None else tool
        raise ToolError(f"{where}: {error}") from error


def check_tool_class(tool: object) -> type[Tool]:
    """Check that ``tool`` is a complete :class:`Tool` subclass.

    Raises:
        ToolError: It is not a Tool subclass, its name, summary or Params are invalid, or a
            parameter uses a name of :data:`RESERVED_PARAMS`.
    """
    if not (isinstance(tool, type) and issubclass(tool, Tool)):
        raise ToolError(f"{tool!r} is not a styletools.tools.Tool subclass")
    if not _NAME.match(tool.name):
        raise ToolError(f"{tool.__qualname__}: name {tool.name!r} is not kebab-case")
    if not tool.summary or "\n" in tool.summary:
        raise ToolError(f"{tool.name}: summary must be one non-empty line")
    params = tool.Params
    if not (is_dataclass(params) and params.__dataclass_params__.frozen):  # type: ignore[attr-defined]
        raise ToolError(f"{tool.name}: Params must be a frozen dataclass")
    clashes = RESERVED_PARAMS.intersection(spec.name for spec in tool.specs())
    if clashes:
        raise ToolError(f"{tool.name}: parameter names {sorted(clashes)} are reserved")
    return tool


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that failed to load, kept for reporting instead of raising.

    Attributes:
        name: The entry-point name.
        reason: What went wrong, one line.
    """

    name: str
    reason: str


class ToolRegistry:
    """Tools by name. An object, never a global: tests and front ends build their own.

    Args:
        tools: Tool classes to register at once.

    Example:
        >>> from styletools.tools.augment import Flip
        >>> registry = ToolRegistry([Flip])
        >>> registry.list("fl*"), registry.get("FLIP") is Flip
        (['flip'], True)
    """

    def __init__(self, tools: Iterable[type[Tool]] = ()) -> None:
        self._tools: dict[str, type[Tool]] = {}
        self.broken: list[BrokenPlugin] = []
        for tool in tools:
            self.register(tool)

    def register(self, tool: type[Tool]) -> type[Tool]:
        """Add a tool class; usable as a class decorator.

        Raises:
            ToolError: The class is incomplete, or its name is taken.
        """
        check_tool_class(tool)
        if tool.name in self._tools:
            taken = self._tools[tool.name]
            raise ToolError(
                f"tool {tool.name!r} is already registered by "
                f"{taken.__module__}.{taken.__qualname__}"
            )
        self._tools[tool.name] = tool
        return tool

    def get(self, name: str) -> type[Tool]:
        """The tool class for ``name`` (``_`` and ``-`` are the same).

        Raises:
            ToolError: No such tool; the message lists close names, or all names.
        """
        key = normalize_name(name)
        if key in self._tools:
            return self._tools[key]
        close = difflib.get_close_matches(key, list(self._tools), n=5, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(self.list())}"
        raise ToolError(f"unknown tool {name!r}; {hint}")

    def create(self, name: str, values: Mapping[str, Any] | None = None) -> Tool:
        """A configured tool from text or JSON values (see :meth:`Tool.from_values`)."""
        return self.get(name).from_values(values)

    def list(self, pattern: str = "*", *, family: str | None = None) -> list[str]:
        """Names matching an fnmatch ``pattern`` (and ``family``), in natural order."""
        key = normalize_name(pattern)
        names = [
            name
            for name, tool in self._tools.items()
            if fnmatch.fnmatchcase(name, key) and family in (None, tool.family)
        ]
        return sorted(names, key=_natural_key)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_name(name) in self._tools

    def __iter__(self) -> Iterator[type[Tool]]:
        return (self._tools[name] for name in self.list())

    def __len__(self) -> int:
        return len(self._tools)

    def load_entry_points(
        self,
        group: str = ENTRY_POINT_GROUP,
        *,
        entry_points: Iterable[metadata.EntryPoint] | None = None,
    ) -> list[BrokenPlugin]:
        """Register the tools third-party packages publish in an entry-point group.

        An entry point names a :class:`Tool` subclass or a sequence of them. A plugin that
        fails to import or to register is recorded in :attr:`broken` and skipped, so one bad
        package never hides the others.

        Returns:
            The plugins that failed in this call.
        """
        found = metadata.entry_points(group=group) if entry_points is None else entry_points
        failed = [
            BrokenPlugin(point.name, reason)
            for point in found
            if (reason := self._load_one(point.load)) is not None
        ]
        self.broken.extend(failed)
        return failed

    def _load_one(self, load: Callable[[], Any]) -> str | None:
        try:
            loaded = load()
        except Exception as error:  # any failure while importing a plugin means "broken"
            return f"cannot import: {type(error).__name__}: {error}"
        tools = loaded if isinstance(loaded, (list, tuple)) else [loaded]
        try:
            for tool in tools:
                self.register(tool)
        except ToolError as error:
            return str(error)
        return None


def _natural_key(text: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
