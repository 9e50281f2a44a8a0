"""The ``styletools`` entry points: fast help, one-line user errors, tracebacks for bugs."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from styletools_cli import entry
from styletools_cli.main import UserErrorGroup, app
from typer.testing import CliRunner

from styletools.errors import ConfigError


def test_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from styletools_cli.main import app\n"
        "from typer.testing import CliRunner\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_python_m_styletools_help():
    out = subprocess.run(
        [sys.executable, "-m", "styletools", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "transfer" in out.stdout and "weights" in out.stdout


def test_help_lists_the_core_commands():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("transfer", "weights"):
        assert command in result.stdout


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(app, ["paint"])
    assert result.exit_code == 2
    assert "No such command 'paint'" in result.stderr


@pytest.fixture
def demo_app() -> typer.Typer:
    """An app with the same error group and two commands: a user error and a bug."""
    demo = typer.Typer(cls=UserErrorGroup)

    @demo.command()
    def user() -> None:
        raise ConfigError("size: must be at least 16 px, got 3")

    @demo.command()
    def bug() -> None:
        raise ZeroDivisionError("a bug")

    return demo


def test_user_error_is_one_line_on_stderr(demo_app):
    result = CliRunner().invoke(demo_app, ["user"])
    assert result.exit_code == 1
    assert result.stderr == "Error: size: must be at least 16 px, got 3\n"
    assert result.stdout == ""


def test_a_bug_keeps_its_exception(demo_app):
    result = CliRunner().invoke(demo_app, ["bug"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ZeroDivisionError)


def test_entry_explains_a_missing_cli_extra(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "styletools_cli.main")
    monkeypatch.setitem(sys.modules, "typer", None)  # importing typer now fails
    with pytest.raises(SystemExit) as caught:
        entry.run()
    assert caught.value.code == 1
    assert "pip install 'styletools[cli]'" in capsys.readouterr().err


def test_entry_reraises_other_missing_modules(monkeypatch):
    monkeypatch.delitem(sys.modules, "styletools_cli.main")
    monkeypatch.setitem(sys.modules, "styletools.errors", None)
    with pytest.raises(ModuleNotFoundError):
        entry.run()
