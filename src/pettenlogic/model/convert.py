"""Strict JSON → :class:`Flow` conversion and back.

Validation is done by ``jsonschema`` against the generated schema; this module
only turns its errors into messages that name the field, the value, the allowed
values and a close match ("did you mean"), and then builds the attrs objects.
"""

from __future__ import annotations

import copy
import datetime
import difflib
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from typing import Any, cast

import attrs
import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .fields import _unwrap_optional, flow_fields, is_nested, resolved_types
from .flow import Flow
from .intake import Problem, cap, join_path, marshalled, plain_copy, quoted_key, show
from .peildatum import FORMAT, lees_datum
from .schema import WET_MESSAGE, flow_schema

__all__ = ["InvalidInput", "Problem", "check_flow_json", "flow_from_json", "flow_to_json"]

#: inputs longer than this get no "did you mean" (the search is quadratic in length)
SUGGEST_MAX = 64


class InvalidInput(ValueError):
    """Raised when a flow (or another input) is malformed; never yields a decision."""

    def __init__(self, problems: list[Problem], where: str = "") -> None:
        self.problems = problems
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(prefix + "; ".join(str(p) for p in problems))

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its parts, not from the message (a pool sends errors pickled)
        return (type(self), (self.problems, self.where))


@cache
def _fast_validator() -> Callable[[Any], Any]:
    """The same schema compiled to Python code by fastjsonschema (draft-07 subset)."""
    schema = copy.deepcopy(flow_schema())
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema, use_default=False)


def _accepts_fast(data: Any) -> bool:
    """Fast path for well-formed input; any rejection is re-examined by jsonschema,
    which words the messages and has the last word.

    Only plain data (:func:`~.intake.marshalled`) takes it: a ``str`` or ``dict``
    subclass, whose ``==`` or ``get`` may say anything to the generated checks, goes
    through the plain copy (:func:`~.intake.plain_copy`) first, like any other odd
    input."""
    if marshalled(data) is None:
        return False
    try:
        _fast_validator()(data)
    except Exception:  # a rejection, or odd input it cannot even look at: the slow path decides
        return False
    return True


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(flow_schema())


def suggest(word: Any, options: list[str]) -> str:
    """A ' (did you mean …?)' suffix when a close option exists."""
    if not isinstance(word, str) or len(word) > SUGGEST_MAX:
        return ""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _path(err: ValidationError) -> str:
    path = ""
    for part in err.absolute_path:
        path = join_path(path, part)
    return path


_show = show


def _describe(err: ValidationError) -> list[Problem]:
    path = _path(err)
    value = _show(err.instance)
    kind = err.validator
    # jsonschema types schema/instance/validator_value as possibly unset, but errors
    # from iter_errors always carry them; the keywords handled below all sit in an
    # object (not boolean) schema, and 'additionalProperties' only fires on objects.
    schema = cast("Mapping[str, Any]", err.schema)
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        instance = cast("Mapping[str, Any]", err.instance)
        extra = sorted(set(instance) - set(allowed), key=str) or ["?"]
        return [
            Problem(
                join_path(path, key),
                f"unknown key {quoted_key(key)}{suggest(key, allowed)}; "
                f"allowed keys: {', '.join(allowed)}",
                key,
                allowed,
            )
            for key in extra
        ]
    if kind == "enum":
        options = cast("list[Any]", err.validator_value)  # an 'enum' value is a list
        allowed = [v for v in options if v is not None]
        shown = ", ".join(str(v) for v in allowed)
        return [
            Problem(
                path,
                f"unknown value {value}{suggest(err.instance, allowed)}; allowed: {shown}",
                err.instance,
                allowed,
            )
        ]
    if kind == "pattern" or (kind == "type" and schema.get("format") == "date"):
        return [Problem(path, f"not a date: got {value}; expected {FORMAT}", err.instance)]
    if kind == "type":
        expected = err.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        if err.instance is None:
            message = f"null is not allowed here; expected {expected}"
        else:
            message = f"wrong type: got {value}, expected {expected}"
        values = [v for v in schema.get("enum", []) if v is not None]
        if values:
            message += f"; allowed: {', '.join(values)}"
        return [Problem(path, message, err.instance, values)]
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        where = f"{path}.{missing}" if path else missing
        return [Problem(where, "required field is missing")]
    if kind == "not" and schema.get("x-bericht"):
        return [Problem(path, f"value {value} not allowed here: {WET_MESSAGE}", err.instance)]
    if kind in ("minimum", "maximum"):
        return [Problem(path, f"value {value} out of range: {err.message}", err.instance)]
    return [Problem(path, err.message)]


def _leaf_of(err: ValidationError) -> ValidationError:
    # an 'if/then' failure nests the real cause in its context
    while err.context:
        err = err.context[0]
    return err


def check_flow_json(data: Any) -> list[Problem]:
    """All problems with a flow JSON value (empty if well-formed), at most
    :data:`~pettenlogic.model.intake.MAX_PROBLEMS` of them."""
    return _checked(data)[1]


def _checked(data: Any) -> tuple[dict[str, Any], list[Problem]]:
    """The flow as plain JSON and its problems.

    Well-formed input passes the compiled validator untouched. Anything else is
    first copied within the input limits (:mod:`.intake`), so the full validator
    never sees cycles, odd types, huge values or deep nesting.
    """
    if not isinstance(data, Mapping):
        return {}, [Problem("", f"a flow must be a JSON object, got {_show(data)}")]
    if type(data) is dict and _accepts_fast(data):
        return data, _date_problems(data)
    plain, problems = plain_copy(data)
    if problems:
        return {}, cap(problems)
    problems = _schema_problems(plain)
    return plain, cap(problems or _date_problems(plain))


def _date_problems(data: Mapping[str, Any]) -> list[Problem]:
    """The calendar check the schema's pattern cannot make (2021-02-30 is no day)."""
    problems: list[Problem] = []
    for spec in _date_fields():
        node: Any = data
        for part in spec.path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is not None and lees_datum(node) is None:
            problems.append(
                Problem(spec.path, f"not a date: got {_show(node)}; expected {FORMAT}", node)
            )
    return problems


@cache
def _date_fields() -> tuple[Any, ...]:
    from .fields import flow_fields

    return tuple(f for f in flow_fields().values() if f.kind == "date")


def _schema_problems(data: dict[str, Any]) -> list[Problem]:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))
    leaves = [_leaf_of(e) for e in errors]
    # one message per field: a wrong type already names the allowed values, so the
    # enum (and the 'wet' placement) complaint about the same field would only repeat it
    mistyped = {_path(e) for e in leaves if e.validator in ("type", "enum")}
    problems: list[Problem] = []
    for err in leaves:
        path = _path(err)
        if err.validator == "enum" and any(
            e.validator == "type" and _path(e) == path for e in leaves
        ):
            continue
        if err.validator == "not" and (
            path in mistyped or f"{path.rpartition('.')[0]}.taak" in mistyped
        ):
            continue  # 'wet' placement follows from a taak or wet that is itself wrong
        problems.extend(_describe(err))
    return problems


def _structure(cls: type, data: dict[str, Any]) -> Any:
    hints = resolved_types(cls)
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name not in data:
            continue
        raw = data[field.name]
        tp, _optional = _unwrap_optional(hints[field.name])
        if raw is None:
            kwargs[field.name] = None
        elif is_nested(tp):
            kwargs[field.name] = _structure(tp, raw)
        elif isinstance(tp, type) and issubclass(tp, Enum):
            kwargs[field.name] = tp(raw)
        elif tp is int:
            kwargs[field.name] = int(raw)  # JSON Schema counts 15.0 as an integer
        elif tp is datetime.date:
            kwargs[field.name] = lees_datum(raw)  # checked by _date_problems
        else:
            kwargs[field.name] = raw
    return cls(**kwargs)


def flow_from_json(data: Any, where: str = "") -> Flow:
    """Validate and convert a JSON value to a :class:`Flow`; raise :class:`InvalidInput`."""
    plain, problems = _checked(data)
    if problems:
        raise InvalidInput(problems, where)
    flow: Flow = _structure(Flow, plain)
    return flow


@cache
def _plan(cls: type) -> tuple[tuple[str, str, Any, bool], ...]:
    """(name, kind, type, optional) per field, read once: type hints are slow to resolve."""
    hints = resolved_types(cls)
    plan = []
    for field in attrs.fields(cls):
        tp, optional = _unwrap_optional(hints[field.name])
        if is_nested(tp):
            kind = "nested"
        elif isinstance(tp, type) and issubclass(tp, Enum):
            kind = "enum"
        elif tp is datetime.date:
            kind = "date"
        else:
            kind = "bool" if tp is bool else "int"
        plan.append((field.name, kind, tp, optional))
    return tuple(plan)


def _typed_json(cls: type, obj: Any, path: str, out: list[Problem]) -> dict[str, Any]:
    """The flow JSON of an attrs object built in Python, noting every member whose
    type is wrong (attrs does not check types; ``attrs.evolve`` takes anything)."""
    data: dict[str, Any] = {}
    for name, kind, tp, optional in _plan(cls):
        value = getattr(obj, name)
        if value is None and optional:
            if kind == "bool":
                data[name] = None  # an open judgement is written as null
            continue
        if kind == "nested":
            if isinstance(value, tp):
                data[name] = _typed_json(tp, value, join_path(path, name), out)
                continue
            message = f"expected a {tp.__name__} object, got {show(value)}"
        elif kind == "enum":
            if isinstance(value, tp):
                data[name] = value.value  # the JSON text, as a plain str
                continue
            known = isinstance(value, str) and value in {m.value for m in tp}
            hint = f" (use {tp.__name__}({show(value)}))" if known else ""
            allowed = ", ".join(m.value for m in tp)
            message = (
                f"expected a {tp.__name__} member, got {show(value)}{hint}; allowed: {allowed}"
            )
        elif kind == "bool":
            if type(value) is bool:
                data[name] = value
                continue
            message = f"expected {'true, false or null' if optional else 'true or false'}"
            message += f", got {show(value)}"
        elif kind == "date":
            if type(value) is datetime.date:  # not a datetime: a day, not a moment
                data[name] = value.isoformat()
                continue
            message = f"expected a datetime.date (a day), got {show(value)}; {FORMAT} in JSON"
        else:
            if type(value) is int:
                data[name] = value
                continue
            message = f"expected an integer, got {show(value)}"
        options = [m.value for m in tp] if kind == "enum" else []
        out.append(Problem(join_path(path, name), message, value, options))
    return data


def typed_flow_json(flow: Flow) -> dict[str, Any] | None:
    """The flow JSON of a :class:`Flow` whose every member has its type (enum members as
    their text), or None; the JSON is not yet checked against the schema."""
    problems: list[Problem] = []
    data = _typed_json(Flow, flow, "", problems)
    return None if problems else data


def check_flow_object(flow: Any) -> list[Problem]:
    """All problems with a :class:`Flow` object (empty if it is one a valid JSON flow
    would give): member types first, then the same schema as for JSON."""
    if not isinstance(flow, Flow):
        return [Problem("", f"expected a Flow object, got {show(flow)}")]
    problems: list[Problem] = []
    data = _typed_json(Flow, flow, "", problems)
    if problems:
        return cap(problems)
    return _checked(data)[1]


def _unstructure(obj: Any) -> Any:
    if attrs.has(type(obj)):
        return {f.name: _unstructure(getattr(obj, f.name)) for f in attrs.fields(type(obj))}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    return obj


def flow_to_json(flow: Flow) -> dict[str, Any]:
    """The full contract JSON of a flow (docs/contract.md) (every field, defaults included)."""
    out: dict[str, Any] = _unstructure(flow)
    # an absent optional value is left out (a tribool keeps its null: "not judged")
    for path, spec in flow_fields().items():
        if spec.optional and spec.kind != "tribool":
            *parents, leaf = path.split(".")
            node = out
            for part in parents:
                node = node[part]
            if node[leaf] is None:
                del node[leaf]
    return out
