"""The video package's one user error: a clip or a frame folder that cannot be read or written."""

from __future__ import annotations

from styletools.errors import ImageError


class VideoError(ImageError):
    """A video or frame folder is missing, corrupt, truncated, empty or of an unknown kind.

    Args:
        path: The file or folder concerned.
        reason: What went wrong, in words a user understands.
    """
