"""The package's lazy public API."""

from __future__ import annotations

import subprocess
import sys


def test_transfer_stays_the_function_after_the_engine_is_imported():
    # When the engine module was called `transfer`, importing it rebound the package's
    # `transfer` attribute to the module, and `styletools.transfer(...)` stopped working.
    code = (
        "import styletools, styletools.engine, styletools.tools; "
        "print(callable(styletools.transfer), styletools.transfer.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "styletools.methods"]


def test_importing_the_package_does_not_import_torch():
    code = "import sys, styletools; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_version_is_the_one_declared_in_pyproject():
    import tomllib
    from pathlib import Path

    import styletools

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert styletools.__version__ == declared
