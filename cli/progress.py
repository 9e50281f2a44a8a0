"""The one progress bar of every command: a description, the bar, done/total, a status line,
the time spent and the time left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bar:
    """A running bar: move it, change its words, print above it."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress, self._task = progress, task
        self.console = progress.console

    def update(
        self, *, advance: float = 0, completed: float | None = None,
        description: str | None = None, status: str | None = None,
    ) -> None:
        """Move the bar and change its description or status; ``None`` keeps them."""
        fields = {} if status is None else {"status": status}
        self._progress.update(self._task, advance=advance, completed=completed,
                              description=description, **fields)

    def speed(self) -> float | None:
        """Items per second so far, once rich can tell."""
        return self._progress.tasks[self._task].speed


@contextmanager
def progress_bar(
    description: str, total: float, *, status: str = "", console: Console | None = None
) -> Iterator[Bar]:
    """Show a bar for ``total`` items until the block ends (it stays on screen after)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        yield Bar(progress, progress.add_task(description, total=total, status=status))
