"""Map the per-file work function over work items: in this process or in a process pool.

One worker runs in-process (no start-up cost, Ctrl-C stops at once). More workers use a
process pool, forked on Linux as torch's DataLoader does: a spawned worker spends ~2.5 s
importing torch and torchvision again (measured: 2.9 s before the first image, more than a
200-image batch takes), a forked one starts at once with the parent's imports. Forking after
torch ran OpenMP threads is safe only if the child does not reuse that pool with several
threads, so each worker caps its torch threads at ``cores // workers`` (1 for 2 workers on 2
cores, as the DataLoader does); a parent that holds a CUDA context, and other systems, spawn.
Workers ignore SIGINT so that Ctrl-C reaches only the parent, which cancels what has not
started.

Items travel to the pool in small chunks: the items of a chunk share one pickled copy of the
pipeline, so a tool that caches something heavy per instance (the style tools keep their
network) builds it once per chunk instead of once per image, with no state in the workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice

from styletools.batch.plan import WorkItem
from styletools.batch.work import OutputRecord, process_item
from styletools.errors import ConfigError

#: Chunks in flight per worker: enough to keep workers busy, few enough to cancel fast.
IN_FLIGHT_PER_WORKER = 2
#: Largest chunk; smaller when there are few items, so every worker gets some.
MAX_CHUNK = 8


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
    items: Sequence[WorkItem],
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


def chunk_size(count: int, workers: int, *, largest: int = MAX_CHUNK) -> int:
    """Items per chunk: up to ``largest``, and at least four chunks per worker.

    >>> chunk_size(10, 2), chunk_size(1000, 2), chunk_size(1000, 2, largest=32)
    (1, 8, 32)
    """
    return max(1, min(largest, count // (workers * 4)))


def work_chunk(
    chunk: Sequence[WorkItem], work: Callable[[WorkItem], OutputRecord]
) -> list[OutputRecord]:
    """Run ``work`` on each item of a chunk, in a worker."""
    return [work(item) for item in chunk]


def start_method() -> str:
    """``fork`` on Linux unless this process holds a CUDA context (a child cannot use it)."""
    import torch

    if sys.platform.startswith("linux") and not torch.cuda.is_initialized():
        return "fork"
    return "spawn"


def _pool_map(
    items: Sequence[WorkItem], workers: int, work: Callable[[WorkItem], OutputRecord]
) -> Iterator[OutputRecord]:
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(start_method()),
        initializer=init_worker,
        initargs=(threads_per_worker(workers),),
    )
    size = chunk_size(len(items), workers)
    chunks = (items[start : start + size] for start in range(0, len(items), size))
    try:
        running: set[Future[list[OutputRecord]]] = {
            pool.submit(work_chunk, chunk, work)
            for chunk in islice(chunks, workers * IN_FLIGHT_PER_WORKER)
        }
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            running |= {pool.submit(work_chunk, chunk, work) for chunk in islice(chunks, len(done))}
            for future in done:
                yield from future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
