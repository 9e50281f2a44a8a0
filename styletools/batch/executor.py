"""Map the per-file work function over work items: in this process or in a process pool.

One worker runs in-process (no start-up cost, Ctrl-C stops at once). More workers use a
``spawn`` pool: forking a process that already runs torch threads can deadlock. Each worker
caps its torch threads at ``cores // workers`` so the pool never oversubscribes the CPU, and
ignores SIGINT so that Ctrl-C reaches only the parent, which cancels what has not started.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice

from styletools.batch.plan import WorkItem
from styletools.batch.work import OutputRecord, process_item
from styletools.errors import ConfigError

#: Items in flight per worker: enough to keep workers busy, few enough to cancel fast.
IN_FLIGHT_PER_WORKER = 2


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. under ``taskset``), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Torch threads for each of ``workers`` processes so that workers x threads <= cores.

    >>> threads_per_worker(2, cores=8)
    4
    """
    return max(1, (cores or usable_cores()) // workers)


def init_worker(threads: int) -> None:
    """Pool initializer: cap torch threads and leave Ctrl-C to the parent."""
    import torch

    torch.set_num_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute(
    items: Iterable[WorkItem],
    *,
    workers: int = 1,
    work: Callable[[WorkItem], OutputRecord] = process_item,
) -> Iterator[OutputRecord]:
    """Yield one record per item, in completion order.

    Args:
        items: The work.
        workers: Processes; 1 runs in this process.
        work: The per-file function (picklable, module level).

    Raises:
        ConfigError: ``workers`` is below 1.
    """
    if workers < 1:
        raise ConfigError(f"--workers {workers}: expected an integer >= 1")
    if workers == 1:
        return map(work, items)
    return _pool_map(items, workers, work)


def _pool_map(
    items: Iterable[WorkItem], workers: int, work: Callable[[WorkItem], OutputRecord]
) -> Iterator[OutputRecord]:
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(threads_per_worker(workers),),
    )
    queue = iter(items)
    try:
        running: set[Future[OutputRecord]] = {
            pool.submit(work, item) for item in islice(queue, workers * IN_FLIGHT_PER_WORKER)
        }
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            running |= {pool.submit(work, item) for item in islice(queue, len(done))}
            yield from (future.result() for future in done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
