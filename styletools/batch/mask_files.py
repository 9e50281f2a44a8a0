"""Each input's mask, from a file beside it named by ``--mask-pattern``.

A pattern is a path relative to the input's folder, with placeholders from the input's
file name (``str.format`` syntax):

=============  ==============================  ===================
placeholder    value                           for ``cats/a.jpg``
=============  ==============================  ===================
``{stem}``     the name without its suffix     ``a``
``{name}``     the whole name                  ``a.jpg``
``{suffix}``   the suffix, with its dot        ``.jpg``
=============  ==============================  ===================

``{stem}_mask.png`` finds ``cats/a_mask.png``; ``masks/{stem}.png`` finds
``cats/masks/a.png``; leading ``..`` climb out of the input's folder, so
``../masks/{stem}.png`` pairs ``images/a.jpg`` with ``masks/a.png`` (the usual layout of a
segmentation dataset), inside SRC or outside it.

Files under SRC whose path matches the pattern are masks, never inputs: a mask is neither
stylised nor counted, even when no input claims it. Where a mask is white the style steps
apply, where it is black the input is kept, grey blends (see
:meth:`styletools.tools.Tool.apply`).
"""

from __future__ import annotations

import posixpath
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import PurePath
from typing import TypeVar

from styletools.errors import ConfigError
from styletools.tools import Tool

#: Placeholder -> (its value for an input's relative path, the regex its values match).
#: One table serves the formatting, the matching and the error message.
PLACEHOLDERS: dict[str, tuple[Callable[[PurePath], str], str]] = {
    "stem": (attrgetter("stem"), r"[^/]+"),
    "name": (attrgetter("name"), r"[^/]+"),
    "suffix": (attrgetter("suffix"), r"\.[^/.]+"),
}
_Path = TypeVar("_Path", bound=PurePath)


@dataclass(frozen=True)
class MaskPattern:
    """A checked ``--mask-pattern``; build it with :func:`parse_mask_pattern`.

    Attributes:
        text: The pattern as given.
        regex: Matches the paths (relative to SRC) the pattern can name.
    """

    text: str
    regex: re.Pattern[str]

    def mask_for(self, source: PurePath) -> str:
        """The mask of the input ``source`` (relative to SRC), relative to SRC, normalised.

        >>> parse_mask_pattern("../masks/{stem}.png").mask_for(PurePath("images/a.jpg"))
        'masks/a.png'
        """
        values = {key: value(source) for key, (value, _) in PLACEHOLDERS.items()}
        return posixpath.normpath(posixpath.join(source.parent.as_posix(),
                                                 self.text.format(**values)))

    def matches(self, path: PurePath) -> bool:
        """Whether ``path`` (relative to SRC) is a file the pattern names: a mask.

        >>> pattern = parse_mask_pattern("{stem}_mask.png")
        >>> pattern.matches(PurePath("cats/a_mask.png")), pattern.matches(PurePath("a.jpg"))
        (True, False)
        """
        return self.regex.fullmatch(path.as_posix()) is not None


def parse_mask_pattern(text: str) -> MaskPattern:
    """Check a ``--mask-pattern`` (syntax in the module docstring).

    Raises:
        ConfigError: Empty, absolute, ``.`` or ``..`` after the first named folder, broken
            braces, or an unknown placeholder (the message lists the known ones).
    """
    parts = text.split("/")
    named = parts[_leading_ups(parts):]
    if text.startswith("/") or not named or any(part in ("", ".", "..") for part in named):
        raise ConfigError(
            f"--mask-pattern {text!r}: expected a relative file path such as "
            "'{stem}_mask.png' or '../masks/{stem}.png' ('..' only at the start)")
    try:
        fields = list(string.Formatter().parse("/".join(named)))
    except ValueError as error:
        raise ConfigError(f"--mask-pattern {text!r}: {error}") from None
    regex = "".join(re.escape(literal) + _placeholder_regex(text, field, spec, conversion)
                    for literal, field, spec, conversion in fields)
    return MaskPattern(text, re.compile(r"(?:.*/)?" + regex))


def _leading_ups(parts: Sequence[str]) -> int:
    return next((index for index, part in enumerate(parts) if part != ".."), len(parts))


def _placeholder_regex(
    text: str, field: str | None, spec: str | None, conversion: str | None
) -> str:
    if field is None:
        return ""
    if field not in PLACEHOLDERS or spec or conversion:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        raise ConfigError(f"--mask-pattern {text!r}: unknown placeholder "
                          f"{{{field}{'!' + conversion if conversion else ''}"
                          f"{':' + spec if spec else ''}}}; known: {known}")
    return PLACEHOLDERS[field][1]


def split_masks(
    images: Sequence[_Path], pattern: MaskPattern
) -> tuple[list[_Path], list[_Path]]:
    """Split the images under SRC into inputs and masks.

    Returns:
        ``(inputs, masks)``, each in the given order.

    Raises:
        ConfigError: Every image is a mask, so nothing would be stylised.
    """
    inputs = [path for path in images if not pattern.matches(path)]
    masks = [path for path in images if pattern.matches(path)]
    if masks and not inputs:
        raise ConfigError(f"--mask-pattern {pattern.text!r}: every image under SRC matches it, "
                          "so none is left to stylise; name the masks apart from the inputs")
    return inputs, masks


def check_masked_pipeline(steps: Sequence[Tool]) -> None:
    """Refuse a pipeline a mask cannot apply to.

    A mask is in the input's pixels, so the steps that take it (the style tools) must come
    before any other: after a flip or a crop it would cover the wrong pixels. Steps after
    the last style step see the whole image.

    Raises:
        ConfigError: No step takes a mask, or another step comes before a style step.
    """
    masked = [index for index, tool in enumerate(steps) if tool.masked]
    if not masked:
        raise ConfigError("--mask-pattern: no step of the pipeline paints a style, so a mask "
                          "has nothing to confine (the style tools take masks)")
    before = next((tool for tool in steps[: masked[-1]] if not tool.masked), None)
    if before is not None:
        raise ConfigError(
            f"--mask-pattern: {before.name} comes before the style step "
            f"{steps[masked[-1]].name}; a mask is in the input's pixels, so put the style "
            "steps first")
