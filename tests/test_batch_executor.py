"""The batch executor: how it starts its pool and how it splits the work."""

from __future__ import annotations

import sys

import pytest
import torch

from styletools.batch.executor import chunk_size, start_method, threads_per_worker


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_pool_forks_on_linux_without_a_cuda_context():
    assert not torch.cuda.is_initialized()
    assert start_method() == "fork"


def test_workers_never_oversubscribe_the_cores():
    for cores in (1, 2, 3, 8):
        for workers in range(1, 10):
            threads = threads_per_worker(workers, cores=cores)
            assert threads >= 1
            assert workers * threads <= max(cores, workers)


def test_every_worker_gets_chunks():
    assert chunk_size(7, 2) == 1
    assert chunk_size(10_000, 2) == 8
