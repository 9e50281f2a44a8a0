"""Batch datasets: walk, plan, run, manifest, resume, replay.

The split is plan / work / run, so that the per-file function can be handed to any map
engine unchanged::

    from styletools.batch import BatchSettings, make_plan, run_plan, parse_ops
    from styletools.tools import default_registry

    steps = parse_ops("flip;crop:scale=0.6-1.0", default_registry())
    plan = make_plan(Path("train"), Path("train-aug"), BatchSettings(steps, seed=42, copies=5))
    result = run_plan(plan, workers=2)          # resumes when run again

    # the same work on another engine, e.g. Ray Data, later:
    #   ray.data.from_items(list(plan.items)).map(process_item)

Modules: :mod:`~.pipeline` (ops string, pipeline file), :mod:`~.formats` (input/output
formats), :mod:`~.plan` (walk and name), :mod:`~.work` (the per-file function),
:mod:`~.executor` (process pool), :mod:`~.manifest` (JSONL), :mod:`~.run` (resume) and
:mod:`~.replay`.
"""

from __future__ import annotations

from styletools.batch.executor import execute
from styletools.batch.formats import parse_format
from styletools.batch.manifest import MANIFEST_NAME, read_manifest
from styletools.batch.pipeline import PipelineFile, load_pipeline, parse_ops
from styletools.batch.plan import BatchSettings, Plan, WorkItem, make_plan
from styletools.batch.replay import ReplayPlan, ReplayResult, plan_replay, replay
from styletools.batch.run import BatchResult, count_done, run_plan
from styletools.batch.work import OutputRecord, item_seed, process_item

__all__ = [
    "MANIFEST_NAME",
    "BatchResult",
    "BatchSettings",
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
    "make_plan",
    "parse_format",
    "parse_ops",
    "plan_replay",
    "process_item",
    "read_manifest",
    "replay",
    "run_plan",
]
