"""Live preview: run a transfer in a worker thread and stream snapshots to a generator.

The core reports progress through a callback on the optimising thread; a Gradio generator
must yield from its own thread. :class:`LiveTransfer` bridges the two while keeping the
optimiser fast: the callback only copies the image when a snapshot is due (at most one per
``interval`` seconds), and the consumer converts and encodes it in parallel.
See ``benchmarks/preview_bench.py`` for the measured cost.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor

import torch

from styletools.config import TransferConfig
from styletools.engine import TransferProgress, TransferResult
from styletools.methods import Networks, run_transfer


def _format_duration(seconds: float) -> str:
    minutes, secs = divmod(max(0, round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def status_line(progress: TransferProgress) -> str:
    """One line for the artist: scale, step, cost and time left."""
    height, width = progress.size
    return (
        f"Scale {progress.scale}/{progress.scales} ({width}×{height}) · "
        f"step {progress.step}/{progress.steps} · cost {progress.cost:.3g} · "
        f"{_format_duration(progress.eta)} left"
    )


def result_line(result: TransferResult) -> str:
    """One line for the end of a run: how it ended, its cost, time and seed."""
    ended = "Stopped — kept the best image so far" if result.stopped else "Done"
    cost = f" · cost {result.cost:.3g}" if math.isfinite(result.cost) else ""
    return f"{ended}{cost} · {_format_duration(result.elapsed)} · seed {result.seed}"


class LiveTransfer:
    """Iterate over a running transfer: progress snapshots, then the final result.

    Args:
        content: ``(1, 3, H, W)`` in [0, 1].
        styles: One or more ``(1, 3, H', W')`` style images.
        config: The transfer settings.
        networks: The app's loaded networks.
        stop: Setting it ends the run early with the best image so far.
        masks: One ``(1, 1, H, W)`` mask per painting, where it goes (``None``: everywhere).
        workers: Long-lived threads to optimise on. A fresh thread per run would build a new
            OpenMP team each time (slower first steps, and the old team's spinning threads
            compete for the cores); None starts one thread for this run.
        interval: Least time between two snapshots, in seconds.

    Iterating yields :class:`TransferProgress` records whose ``image`` is a private CPU copy,
    and finally the :class:`TransferResult`. Closing the iterator early (the visitor left)
    stops the worker.
    """

    def __init__(
        self,
        content: torch.Tensor,
        styles: Sequence[torch.Tensor],
        config: TransferConfig,
        *,
        networks: Networks,
        stop: threading.Event,
        masks: Sequence[torch.Tensor] | None = None,
        workers: Executor | None = None,
        interval: float = 0.5,
    ) -> None:
        self._args = (content, list(styles), config, networks)
        self._masks = masks
        self._stop, self._interval = stop, interval
        self._workers = workers
        self._ready = threading.Condition()
        self._snapshot: TransferProgress | None = None
        self._outcome: TransferResult | BaseException | None = None
        self._last_copy = -float("inf")

    def _on_progress(self, progress: TransferProgress) -> None:
        now = time.perf_counter()
        if now - self._last_copy < self._interval:
            return  # the common case: no copy, no lock, the optimiser runs on
        self._last_copy = now
        image = progress.image.detach().to("cpu", copy=True)
        with self._ready:
            self._snapshot = dataclasses.replace(progress, image=image)
            self._ready.notify()

    def _work(self) -> None:
        content, styles, config, networks = self._args
        try:
            outcome: TransferResult | BaseException = run_transfer(
                content, styles, config, networks=networks,
                on_progress=self._on_progress, should_stop=self._stop.is_set,
                masks=self._masks,
            )
        except BaseException as error:  # handed to the consuming thread, which re-raises it
            outcome = error
        with self._ready:
            self._outcome = outcome
            self._ready.notify()

    def _start(self) -> Callable[[], object]:
        """Run :meth:`_work` on the pool (or a new thread); returns a function that waits."""
        if self._workers is not None:
            return self._workers.submit(self._work).result
        worker = threading.Thread(target=self._work, name="styletools-transfer", daemon=True)
        worker.start()
        return worker.join

    def __iter__(self) -> Iterator[TransferProgress | TransferResult]:
        wait = self._start()
        try:
            while True:
                with self._ready:
                    self._ready.wait_for(lambda: self._snapshot or self._outcome)
                    snapshot, self._snapshot = self._snapshot, None
                    outcome = self._outcome
                if snapshot is not None and outcome is None:
                    yield snapshot
                elif outcome is not None:
                    break
        finally:
            self._stop.set()  # no-op after a normal end; ends the worker if we were closed
            wait()
        if isinstance(outcome, BaseException):
            raise outcome
        yield outcome
