"""The one exception family a user can cause.

Front ends catch :class:`StyletoolsError` and print its message on one line; anything else
is a bug and keeps its traceback. Messages always name the file or argument and the reason.
"""

from __future__ import annotations

from pathlib import Path


class StyletoolsError(Exception):
    """Root of every error that bad input, not a bug, can cause."""


class ImageError(StyletoolsError):
    """An image could not be read or written.

    Args:
        path: The file concerned.
        reason: What went wrong, in words a user understands.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class OutputExistsError(ImageError):
    """The output exists and the caller did not ask to overwrite it."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, "already exists (pass --overwrite to replace it)")


class WeightsError(StyletoolsError):
    """Weights are missing, corrupt, unknown or of the wrong shape."""


class ConfigError(StyletoolsError):
    """A setting has a value outside its allowed set."""


class ShapeError(StyletoolsError):
    """A tensor has the wrong shape.

    Args:
        name: The argument's name.
        expected: The expected shape, as text such as ``(N, 3, H, W)``.
        actual: The shape received.
    """

    def __init__(self, name: str, expected: str, actual: tuple[int, ...]) -> None:
        self.name = name
        self.expected = expected
        self.actual = tuple(actual)
        super().__init__(f"{name}: expected shape {expected}, got {tuple(actual)}")


class ToolError(StyletoolsError):
    """A tool is unknown, misconfigured, or a plugin failed to load."""
