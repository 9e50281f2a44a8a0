"""Run a plan's items on Ray Data, on this machine or a cluster.

The same :func:`~styletools.batch.work.process_item` runs on the same items, so outputs are
byte-identical to the local engine's, and the records stream back to the driver, which alone
writes the manifest (:mod:`~styletools.batch.run`) and so resumes the same way.

* **Rows.** Each row is one pickled :class:`WorkItem` without its tools, plus the index of
  its pipeline; the few distinct pipelines travel once per task or actor. A row is then a
  few hundred bytes, and a style tool unpickled once per actor keeps its network.
* **Light tools** run as plain Ray tasks (``map_batches`` with a function): no state, and a
  task can land on any CPU of the cluster.
* **Style tools** (family ``style``) run in a pool of long-lived actors
  (``map_batches`` with a callable class and an :class:`~ray.data.ActorPoolStrategy`); each
  actor holds one network for its life, with ``num_gpus`` per actor when asked. A pipeline
  that mixes both runs whole in the actors: splitting an item across stages would ship
  images between processes for no gain.
* **Faults.** A task whose worker dies is retried, and an actor that dies is restarted with
  its calls retried, up to :data:`MAX_RETRIES` times, set explicitly (Ray Data's default is
  forever, so an input that kills its worker every time, say out of memory, would never
  end). :func:`process_item` writes atomically and the same bytes each time, so a retry
  is harmless. A bad input is a ``failed`` record, as with the local engine.
* **Cluster.** ``ray_address`` or ``RAY_ADDRESS`` joins a running cluster; without either
  a local Ray sized to this machine starts and is shut down at the end. Its workers run at
  the driver's priority (:data:`WORKER_NICENESS`), not Ray's default nice 15. A driver already
  connected (``ray.init`` by the caller) is used as it is and left connected.

Ray is imported inside the functions, so importing this module needs no Ray.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
import math
import os
import pickle
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from styletools.batch.executor import chunk_size, usable_cores
from styletools.batch.plan import WorkItem
from styletools.batch.work import OutputRecord, process_item
from styletools.errors import ConfigError
from styletools.tools import Tool

#: Retries of a task, restarts of an actor, and retries of an actor's calls, when the worker
#: process dies (killed, out of memory, node lost).
MAX_RETRIES = 3
#: The environment variable Ray itself reads for the cluster address.
ADDRESS_ENV = "RAY_ADDRESS"
#: Tools of this family hold a network: they run in long-lived actors.
ACTOR_FAMILY = "style"
#: Largest block of items per task. Much larger than the local pool's: each Ray task costs
#: the driver, the raylet and Ray Data's scheduler tens of milliseconds, which a block must
#: outweigh, while staying short enough (about 0.4 s of work) for fine-grained progress and
#: retries. Small runs still get four blocks per worker. How 128 was chosen: README, "On a
#: cluster".
RAY_MAX_CHUNK = 128
#: Largest block for the style actors: an item takes seconds, so a call's overhead is nothing,
#: and small blocks keep the progress bar moving and a retry short.
STYLE_MAX_CHUNK = 2
#: Niceness of the workers of a local Ray we start. Ray's default, 15, hands the CPU to any
#: other process of the machine first (the README's Development section tells how a test
#: batch stalled so). A batch is the job the user asked for, so it competes as an equal, as
#: the local engine's processes (nice 0) do.
WORKER_NICENESS = 0
INSTALL_HINT = 'the Ray engine needs Ray: pip install "styletools[ray]"'

Pipeline = tuple[Tool, ...]


@dataclass(frozen=True)
class RayEngine:
    """Ray Data: tasks for light tools, an actor pool for style tools.

    Attributes:
        workers: Tasks or actors at once; ``None`` for one per CPU of the cluster (tasks),
            or a pool that grows to what the cluster holds (actors).
        ray_address: The cluster (``auto``, ``HOST:6379``, ``ray://HOST:10001``); ``None``
            for ``$RAY_ADDRESS``, else a new local Ray sized to this machine.
        gpus_per_worker: GPUs per style actor (fractions share a GPU); with any, the actor's
            tensor work runs on the GPU Ray gave it.
        placements: Outputs made per node id in the runs so far (filled as records arrive).
    """

    workers: int | None = None
    ray_address: str | None = None
    gpus_per_worker: float = 0.0
    placements: Counter[str] = field(
        default_factory=Counter, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"--workers {self.workers}: expected an integer >= 1")
        if not 0 <= self.gpus_per_worker <= 1024:
            raise ConfigError(
                f"--gpus-per-worker {self.gpus_per_worker}: expected a number in [0, 1024]")
        if importlib.util.find_spec("ray") is None:
            raise ConfigError(INSTALL_HINT)

    def map(self, items: Sequence[WorkItem]) -> Iterator[OutputRecord]:
        """Yield one record per item, as Ray Data finishes them (see the module docstring)."""
        if not items:
            return iter(())
        return self._run(items)

    def _run(self, items: Sequence[WorkItem]) -> Iterator[OutputRecord]:
        with ray_session(self.ray_address):
            pipelines, rows = encode(items)
            for batch in self._dataset(pipelines, rows).iter_batches(batch_size=None):
                self.placements.update(batch["node"].tolist())
                yield from map(pickle.loads, batch["record"])

    def _dataset(self, pipelines: list[Pipeline], rows: list[dict[str, Any]]) -> Any:
        import ray.data

        actors = any(tool.family == ACTOR_FAMILY for steps in pipelines for tool in steps)
        if actors and self.gpus_per_worker:
            self._check_gpus()
        largest = STYLE_MAX_CHUNK if actors else RAY_MAX_CHUNK
        size = chunk_size(len(rows), self.workers or cluster_cpus(), largest=largest)
        dataset = ray.data.from_items(rows, override_num_blocks=math.ceil(len(rows) / size))
        dataset.context.enable_progress_bars = False  # the front end draws its own bar
        # Ray Data 2.60 takes retries only through its deprecated **ray_remote_args (its named
        # parameters cover scheduling, not faults); the pin below 2.64 in pyproject.toml is
        # for this call.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ray_remote_args.*")
            if actors:
                return dataset.map_batches(
                    PipelineActor, batch_size=size, num_cpus=1,
                    num_gpus=self.gpus_per_worker or None,
                    fn_constructor_kwargs={"pipelines": pipelines,
                                           "on_gpu": self.gpus_per_worker > 0},
                    compute=ray.data.ActorPoolStrategy(min_size=1, max_size=self.workers),
                    max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES,
                )
            return dataset.map_batches(
                run_rows, batch_size=size, num_cpus=1, fn_kwargs={"pipelines": pipelines},
                compute=ray.data.TaskPoolStrategy(size=self.workers), max_retries=MAX_RETRIES,
            )

    def _check_gpus(self) -> None:
        """Refuse GPU actors on a cluster without the GPUs: Ray Data would wait for them forever.

        Raises:
            ConfigError: Fewer GPUs in the cluster than one actor asks for.
        """
        import ray

        have = ray.cluster_resources().get("GPU", 0)
        if have < self.gpus_per_worker:
            raise ConfigError(
                f"--gpus-per-worker {self.gpus_per_worker:g}: the Ray cluster has {have:g} GPUs")


def encode(items: Sequence[WorkItem]) -> tuple[list[Pipeline], list[dict[str, Any]]]:
    """Split items into their distinct pipelines and one small row per item.

    Returns:
        ``(pipelines, rows)``: each row is ``{"pipeline": index, "item": pickled item
        without its steps}``.
    """
    index: dict[Pipeline, int] = {}
    rows = []
    for item in items:
        number = index.setdefault(item.steps, len(index))
        bare = dataclasses.replace(item, steps=())
        rows.append({"pipeline": number, "item": pickle.dumps(bare, pickle.HIGHEST_PROTOCOL)})
    return list(index), rows


def run_rows(
    batch: dict[str, Any], pipelines: Sequence[Pipeline], device: str | None = None
) -> dict[str, list[Any]]:
    """Run :func:`process_item` on a batch of rows; the task side of the engine.

    Args:
        batch: ``{"pipeline": [...], "item": [...]}`` from :func:`encode`.
        pipelines: The distinct pipelines the rows point into.
        device: Run the tensor work here instead of the item's device (an actor's GPU).

    Returns:
        ``{"record": [pickled OutputRecord], "node": [node id]}``.
    """
    import ray

    node = ray.get_runtime_context().get_node_id()
    records = []
    for number, data in zip(batch["pipeline"], batch["item"], strict=True):
        item = dataclasses.replace(pickle.loads(data), steps=pipelines[int(number)])
        if device is not None:
            item = dataclasses.replace(item, device=device)
        records.append(pickle.dumps(process_item(item), pickle.HIGHEST_PROTOCOL))
    return {"record": records, "node": [node] * len(records)}


class PipelineActor:
    """A long-lived worker holding the pipelines, so a style tool builds its network once.

    Args:
        pipelines: The distinct pipelines of the plan (unpickled once, here).
        on_gpu: Run on the GPU Ray assigned to this actor (``cuda``: Ray sets
            ``CUDA_VISIBLE_DEVICES`` to it).
    """

    def __init__(self, pipelines: Sequence[Pipeline], on_gpu: bool = False) -> None:
        self.pipelines = pipelines
        self.device = "cuda" if on_gpu else None

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        """See :func:`run_rows`."""
        return run_rows(batch, self.pipelines, self.device)


def cluster_cpus() -> int:
    """CPUs of the connected cluster, at least 1."""
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def local_ray_options(cpus: int) -> dict[str, Any]:
    """``ray.init`` arguments that start a local Ray of ``cpus`` CPUs for the engine.

    >>> local_ray_options(2)["_system_config"]
    {'worker_niceness': 0}
    """
    return {"address": "local", "num_cpus": cpus,
            "_system_config": {"worker_niceness": WORKER_NICENESS}}


@contextlib.contextmanager
def ray_session(address: str | None) -> Iterator[None]:
    """Connect this driver to Ray for the block; shut down only what this call started.

    Raises:
        ConfigError: The address cannot be reached.
    """
    import ray

    if ray.is_initialized():
        yield
        return
    target = address or os.environ.get(ADDRESS_ENV) or None
    where = {"address": target} if target else local_ray_options(usable_cores())
    try:
        ray.init(**where, include_dashboard=False, logging_level="warning")
    except (ConnectionError, ValueError, RuntimeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConfigError(f"--ray-address {target}: cannot connect ({reason})") from None
    _quiet_ray_data()
    try:
        yield
    finally:
        ray.shutdown()



def _quiet_ray_data() -> None:
    """Drop Ray Data's per-run log lines in a session we own: the caller shows progress.

    Its notice that progress bars are off is dropped too (we turn them off on purpose).
    ``ray.data`` is imported first, since importing it installs its logging configuration.
    """
    import ray.data  # noqa: F401 - for its logging configuration, which we then adjust

    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
