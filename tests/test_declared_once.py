"""Every setting is declared once in the core and reachable from each front end by its name.

A field added to :class:`TransferConfig`, :class:`TrainConfig` or :class:`ServeSettings` must
show up as a CLI option (and, for transfers, as an app control and API parameter) under its
own name, or be listed as hidden there; these tests fail otherwise.
"""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from styletools_cli.app.settings import ServeSettings
from styletools_cli.commands import app as app_command
from styletools_cli.commands import train_style, transfer
from styletools_cli.main import app
from typer.testing import CliRunner

from styletools.config import PRESET, TransferConfig
from styletools.fast.settings import TrainConfig


def fields(config_class: type) -> set[str]:
    return {field.name for field in dataclasses.fields(config_class)}


def options(function) -> set[str]:
    return set(inspect.signature(function).parameters)


@pytest.mark.parametrize(
    ("function", "config_class", "hidden", "extra"),
    [
        (transfer.transfer, TransferConfig, transfer.HIDDEN, {PRESET.name}),
        (train_style.train_style, TrainConfig, train_style.HIDDEN, set()),
        (app_command.app_command, ServeSettings, (), set()),
    ],
)
def test_each_cli_command_offers_every_field_or_lists_it_as_hidden(
    function, config_class, hidden, extra
):
    offered = options(function)
    assert fields(config_class) | extra <= offered | set(hidden)
    assert not offered & set(hidden), "a hidden field is offered all the same"


@pytest.mark.parametrize("config_class", [TransferConfig, TrainConfig])
def test_cli_flags_are_the_field_names(config_class):
    command = "transfer" if config_class is TransferConfig else "train-style"
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    for name in fields(config_class):
        assert "--" + name.replace("_", "-") in result.output


def test_app_transfer_tab_shows_every_field_or_says_why_not():
    from styletools_cli.app import transfer_tab

    shown = (PRESET.name, *transfer_tab.MAIN, *transfer_tab.ADVANCED, *transfer_tab.REGIONS)
    assert len(set(shown)) == len(shown), "a control is listed twice"
    assert set(shown) | set(transfer_tab.HIDDEN) == fields(TransferConfig) | {PRESET.name}
    assert not set(shown) & set(transfer_tab.HIDDEN)
    assert all(reason for reason in transfer_tab.HIDDEN.values())


def test_app_api_parameters_are_the_field_names(networks):
    from styletools_cli.app.context import AppContext
    from styletools_cli.app.transfer_tab import LEADING, SHOWN, TransferTab

    from styletools.tools import default_registry

    context = AppContext(networks=networks, registry=default_registry(plugins=False))
    tab = TransferTab(context)
    endpoint = tab.endpoint()
    names = list(inspect.signature(endpoint).parameters)
    assert names == [*LEADING, *SHOWN, "request"]
    assert list(LEADING) == ["content", "styles", "regions", "feather"]
    assert {"color", "style_blend", "preset", "learning_rate"} <= set(names)
    assert inspect.isgeneratorfunction(endpoint)  # Gradio streams only from generators
