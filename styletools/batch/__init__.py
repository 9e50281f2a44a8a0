"""Batch datasets: walk, plan, run, manifest, resume, replay.

The split is plan / work / run, so that the per-file function can be handed to any map
engine unchanged::

    from styletools.batch import BatchSettings, make_plan, run_plan, parse_ops
    from styletools.tools import default_registry

    steps = parse_ops("flip;crop:scale=0.6-1.0", default_registry())
    plan = make_plan(Path("train"), Path("train-aug"), BatchSettings(steps, seed=42, copies=5))
    result = run_plan(plan, workers=2)          # resumes when run again

    # the same plan on Ray Data (this machine, or the cluster at $RAY_ADDRESS):
    result = run_plan(plan, engine=make_engine("ray", {"workers": 8}))

Modules: :mod:`~.pipeline` (ops string, pipeline file), :mod:`~.formats` (input/output
formats), :mod:`~.plan` (walk and name), :mod:`~.work` (the per-file function),
:mod:`~.engines` (where items run), :mod:`~.executor` (process pool), :mod:`~.ray_engine`
(Ray Data, imported only when asked for), :mod:`~.manifest` (JSONL), :mod:`~.run` (resume)
and :mod:`~.replay`.
"""

from __future__ import annotations

from styletools.batch.engines import ENGINES, Engine, LocalEngine, make_engine
from styletools.batch.executor import execute
from styletools.batch.formats import parse_format
from styletools.batch.manifest import MANIFEST_NAME, read_manifest
from styletools.batch.pipeline import PipelineFile, load_pipeline, parse_ops
from styletools.batch.plan import BatchSettings, Plan, WorkItem, make_plan
from styletools.batch.replay import ReplayPlan, ReplayResult, plan_replay, replay
from styletools.batch.run import BatchResult, count_done, run_plan
from styletools.batch.work import OutputRecord, item_seed, process_item

__all__ = [
    "ENGINES",
    "MANIFEST_NAME",
    "BatchResult",
    "BatchSettings",
    "Engine",
    "LocalEngine",
    "OutputRecord",
    "PipelineFile",
    "Plan",
    "ReplayPlan",
    "ReplayResult",
    "WorkItem",
    "count_done",
    "execute",
    "item_seed",
    "load_pipeline",
    "make_engine",
    "make_plan",
    "parse_format",
    "parse_ops",
    "plan_replay",
    "process_item",
    "read_manifest",
    "replay",
    "run_plan",
]
