"""The `cli` extra (typer, rich) is all the command line needs.

A fresh `pip install 'styletools[cli]'` once failed because cli/main.py imported click, which
the development environment had (through gradio) and typer 0.29 no longer installs.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[2] / "cli"
#: Our packages and the core's own dependencies (pyproject `dependencies`), always installed.
CORE = {"styletools", "styletools_cli", "torch", "torchvision", "numpy", "PIL", "yaml"}
#: What each kind of front-end module may import at its top level, beyond the stdlib.
ALLOWED = {"command": {"typer", "rich"} | CORE, "app": {"typer", "rich", "gradio"} | CORE}


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__"}


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_front_end_imports_only_its_extra(path):
    kind = "app" if path.name.startswith("app") else "command"
    assert _top_level_imports(path) <= ALLOWED[kind]
