"""The batch executor: how it starts its pool and how it splits the work."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import torch

from styletools.batch import LocalEngine, make_engine
from styletools.batch.executor import chunk_size, start_method, threads_per_worker
from styletools.errors import ConfigError


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


def test_engines_are_built_by_name_with_their_own_defaults():
    assert make_engine("local", {"workers": None}) == LocalEngine(workers=1)
    assert make_engine("local", {"workers": 3}) == LocalEngine(workers=3)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("spark", {}, "--engine 'spark': expected one of local, ray"),
        ("local", {"ray_address": "auto"}, "--ray-address: not an option of --engine local"),
        ("local", {"workers": 0}, "--workers 0"),
        ("ray", {"gpus_per_worker": -1.0}, "--gpus-per-worker -1.0"),
        ("ray", {"workers": 0}, "--workers 0"),
    ],
)
def test_engine_options_are_checked_at_the_door(name, options, message):
    if name == "ray":
        pytest.importorskip("ray")
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_engine(name, options)


def test_importing_the_batch_core_and_the_cli_does_not_import_ray():
    code = ("import sys, styletools.batch, styletools_cli.main; "
            "sys.exit(int('ray' in sys.modules or 'styletools.batch.ray_engine' in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
