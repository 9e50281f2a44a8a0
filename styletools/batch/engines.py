"""Where a plan's items run: an engine maps :func:`~styletools.batch.work.process_item` over them.

Two engines share one interface, :class:`Engine`: :class:`LocalEngine` (this machine, in
process or a process pool, the default) and :class:`~styletools.batch.ray_engine.RayEngine`
(Ray Data, on this machine or a cluster). Each engine's knobs are the fields of its frozen
dataclass, declared once; :func:`make_engine` builds one from a name and the options a front
end was given, and the field names are the option names (``gpus_per_worker`` is
``--gpus-per-worker``). The Ray engine's module is imported only when it is asked for, so
``import styletools.batch`` never imports Ray.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from styletools.batch.executor import execute
from styletools.batch.plan import WorkItem
from styletools.batch.work import OutputRecord
from styletools.errors import ConfigError


class Engine(Protocol):
    """Runs work items and yields their records, in completion order."""

    def map(self, items: Sequence[WorkItem]) -> Iterator[OutputRecord]:
        """Yield one record per item (failures are records too, never raised)."""
        ...


@dataclass(frozen=True)
class LocalEngine:
    """This machine: one worker runs in this process, more run in a process pool.

    Attributes:
        workers: Processes; each uses ``cores // workers`` torch threads (see
            :mod:`~styletools.batch.executor`).
    """

    workers: int = 1

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ConfigError(f"--workers {self.workers}: expected an integer >= 1")

    def map(self, items: Sequence[WorkItem]) -> Iterator[OutputRecord]:
        """See :func:`~styletools.batch.executor.execute`."""
        return iter(execute(items, workers=self.workers))


def _local() -> type[Engine]:
    return LocalEngine


def _ray() -> type[Engine]:
    from styletools.batch.ray_engine import RayEngine

    return RayEngine


#: Engine name -> its class, imported on demand; one table serves the lookup and the error.
ENGINES: dict[str, Callable[[], type[Engine]]] = {"local": _local, "ray": _ray}


def make_engine(name: str, options: Mapping[str, Any]) -> Engine:
    """Build the engine ``name`` from the options a front end was given.

    Args:
        name: A key of :data:`ENGINES`.
        options: Field name -> value; ``None`` means "the engine's default" and is dropped.

    Returns:
        The engine, its options checked.

    Raises:
        ConfigError: The name is unknown, an option belongs to another engine, or a value
            is out of range.
    """
    if name not in ENGINES:
        raise ConfigError(f"--engine {name!r}: expected one of {', '.join(ENGINES)}")
    kind = ENGINES[name]()
    given = {key: value for key, value in options.items() if value is not None}
    accepted = {field.name for field in dataclasses.fields(kind) if field.init}  # type: ignore[arg-type]
    foreign = sorted(set(given) - accepted)
    if foreign:
        flag = "--" + foreign[0].replace("_", "-")
        raise ConfigError(f"{flag}: not an option of --engine {name}")
    return kind(**given)
