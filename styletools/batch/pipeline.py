"""Pipelines: the ordered tools of a batch, from an ``--ops`` string or a pipeline file.

Two spellings of the same list of steps::

    flip;crop:scale=0.6-1.0;rotate:degrees=-15-15;pca-color:sigma=0.1

    # pipeline.yaml (or the same structure in .json)
    seed: 42          # default for --seed
    copies: 5         # default for --copies
    steps:
      - flip
      - crop: {scale: 0.6-1.0}
      - rotate: {degrees: [-15, 15]}

Parameter values are text (as on the command line) or JSON values; both go through the
registry's :func:`~styletools.tools.parse_params`, so the checks and messages are the tools'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from styletools.errors import ConfigError
from styletools.tools import Tool, ToolRegistry

#: A parameter separator is a comma that starts a new ``key=``, so ranges may use commas.
_PARAM_SPLIT = re.compile(r",(?=\s*[A-Za-z_][\w-]*\s*=)")


@dataclass(frozen=True)
class PipelineFile:
    """What a pipeline file declares.

    Attributes:
        steps: The configured tools, in order.
        seed: Default for ``--seed``, or ``None``.
        copies: Default for ``--copies``, or ``None``.
    """

    steps: tuple[Tool, ...]
    seed: int | None = None
    copies: int | None = None


def parse_ops(text: str, registry: ToolRegistry) -> tuple[Tool, ...]:
    """Build the tools of an ``--ops`` string ``name[:key=value[,key=value]];...``.

    Raises:
        ConfigError: A step is empty or a ``key=value`` is malformed.
        ToolError: A tool name is unknown (the message lists close names).
    """
    steps = [part.strip() for part in text.split(";") if part.strip()]
    if not steps:
        raise ConfigError(f"--ops {text!r}: no steps; write e.g. 'flip;crop:scale=0.6-1.0'")
    return tuple(_parse_step(step, registry) for step in steps)


def _parse_step(step: str, registry: ToolRegistry) -> Tool:
    name, _, rest = step.partition(":")
    values: dict[str, str] = {}
    for pair in _PARAM_SPLIT.split(rest) if rest.strip() else []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--ops step {step!r}: expected key=value, got {pair!r}")
        values[key.strip()] = value.strip()
    return registry.create(name.strip(), values)


def load_pipeline(path: Path, registry: ToolRegistry) -> PipelineFile:
    """Read a ``.yaml``/``.yml``/``.json`` pipeline file (format in the module docstring).

    Raises:
        ConfigError: The file is missing, not valid YAML/JSON, or not a list of steps.
        ToolError: A tool name is unknown.
    """
    data = _read_document(path)
    if isinstance(data, list):
        data = {"steps": data}
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise ConfigError(f"{path}: expected a list of steps or a mapping with 'steps:'")
    unknown = set(data) - {"steps", "seed", "copies"}
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}; allowed: steps, seed, copies")
    if not data["steps"]:
        raise ConfigError(f"{path}: 'steps' is empty")
    steps = tuple(_file_step(path, step, registry) for step in data["steps"])
    seed, copies = (_optional_int(path, data, key) for key in ("seed", "copies"))
    return PipelineFile(steps, seed, copies)


def _read_document(path: Path) -> Any:
    readers = {".json": json.loads, ".yaml": yaml.safe_load, ".yml": yaml.safe_load}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ConfigError(f"{path}: pipeline files end in {', '.join(readers)}")
    try:
        return reader(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror or error})") from None
    except (ValueError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0]
        raise ConfigError(f"{path}: not valid {path.suffix[1:].upper()} ({reason})") from None


def _file_step(path: Path, step: Any, registry: ToolRegistry) -> Tool:
    if isinstance(step, str):
        return registry.create(step)
    if isinstance(step, dict) and len(step) == 1:
        (name, values), = step.items()
        if values is None or isinstance(values, Mapping):
            return registry.create(str(name), values)
    raise ConfigError(f"{path}: step {step!r} is neither 'name' nor 'name: {{param: value}}'")


def _optional_int(path: Path, data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{path}: {key} must be an integer, got {value!r}")
    return value


def pipeline_to_json(steps: tuple[Tool, ...]) -> list[dict[str, Any]]:
    """The steps as plain data ``[{"tool": name, "config": {...}}]`` for the manifest."""
    return [{"tool": tool.name, "config": tool.config()} for tool in steps]


def pipeline_from_json(data: list[dict[str, Any]], registry: ToolRegistry) -> tuple[Tool, ...]:
    """Rebuild the tools recorded by :func:`pipeline_to_json`."""
    return tuple(registry.create(step["tool"], step["config"]) for step in data)
