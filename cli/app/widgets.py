"""App widgets generated from the core's declarations (:class:`~styletools.params.ParamSpec`).

The Tools tab builds one panel per tool and the Style transfer tab one control per shown
setting from the same factories, so a setting declared in the core appears in the app, under
its own name, without a line here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gradio as gr

from styletools.params import ParamSpec

Component = gr.components.Component
#: Up to this many choices show as radio buttons; more as a drop-down.
RADIO_CHOICES = 4


def _number(spec: ParamSpec, value: Any) -> Component:
    if value is None:
        # A number box cannot be empty (it shows and sends 0): "none" is typed text instead.
        return gr.Textbox(value="", label=spec.name, info=f"{_info(spec)} ({spec.allowed()})",
                          placeholder="empty: the default")
    bounded = spec.min is not None and spec.max is not None and value is not None
    if spec.kind == "float" and bounded:
        return gr.Slider(spec.min, spec.max, value=value, label=spec.name, info=_info(spec))
    return gr.Number(
        value=value, label=spec.name, info=_info(spec), minimum=spec.min,
        maximum=spec.max, precision=0 if spec.kind == "int" else None,
    )


def _choice(spec: ParamSpec, value: Any) -> Component:
    choices = list(spec.choices or ())
    if len(choices) <= RADIO_CHOICES:
        return gr.Radio(choices, value=value, label=spec.name, info=_info(spec))
    return gr.Dropdown(choices, value=value, label=spec.name, info=_info(spec))


def _text(spec: ParamSpec, value: Any) -> Component:
    if spec.kind == "str" and spec.choices:
        return _choice(spec, value)
    if spec.kind == "names" and spec.choices:
        return gr.CheckboxGroup(list(spec.choices), value=list(value or ()), label=spec.name,
                                info=_info(spec))
    hint = "LOW-HIGH, e.g. 0.5-1.0" if spec.kind == "range" else spec.allowed()
    shown = "" if value is None else spec.format(value)
    return gr.Textbox(value=shown, label=spec.name, info=f"{_info(spec)} ({hint})")


def _upload(spec: ParamSpec, value: Any) -> Component:
    # A path parameter is never typed in: it is an upload (or the tool's own default).
    return gr.File(label=f"{spec.name} — {spec.help} (empty = default)", type="filepath")


def _info(spec: ParamSpec) -> str:
    return spec.help + (f" ({spec.unit})" if spec.unit else "")


#: One widget factory per parameter kind (see ``styletools.params``).
_FACTORIES: dict[str, Callable[[ParamSpec, Any], Component]] = {
    "int": _number,
    "float": _number,
    "bool": lambda spec, value: gr.Checkbox(value=bool(value), label=spec.name, info=spec.help),
    "str": _text,
    "range": _text,
    "ints": _text,
    "floats": _text,
    "names": _text,
    "path": _upload,
}


def widget(spec: ParamSpec, *, value: Any = ..., elem_id: str | None = None) -> Component:
    """The input component for ``spec``, labelled with its name and help.

    Args:
        spec: The declaration.
        value: The initial value (default: the declared default; ``None`` shows empty).
        elem_id: HTML id, for pages that address the control.
    """
    component = _FACTORIES[spec.kind](spec, spec.default if value is ... else value)
    if elem_id is not None:
        component.elem_id = elem_id
    return component


#: The default of a required endpoint parameter.
REQUIRED = inspect.Parameter.empty


def endpoint_signature(
    leading: Mapping[str, Any], names: Sequence[str], *, request: bool = False
) -> inspect.Signature:
    """A handler's public signature: ``leading`` inputs (name -> default, or
    :data:`REQUIRED`), then one parameter per setting, ``None`` meaning its default.

    Gradio names an endpoint's API parameters after its function's signature, so a generated
    signature gives every setting its declared name in the API.
    """
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter(name, keyword, default=d) for name, d in leading.items()]
    parameters += [inspect.Parameter(name, keyword, default=None) for name in names]
    if request:
        parameters.append(
            inspect.Parameter("request", keyword, default=None, annotation=gr.Request | None)
        )
    return inspect.Signature(parameters)
