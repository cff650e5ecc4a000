"""Look-alike Python values: subclasses of ``str``, ``int``, ``float`` and ``dict``.

A caller may hand a flow dict whose values are not exactly the built-in types:
an enum member, a ``str`` subclass, an ``int`` subclass, a ``dict`` subclass. Such a
value is taken for the value it stores (read by the base type's own method), and a
subclass that lies through ``==``, ``__str__``, ``__int__``, ``__len__`` or ``get``
must not change the outcome. So on every engine the outcome is the outcome of the
plain copy of the stored values: the same decision, or the same refusal; never
another exception.

The checks that give the fast paths their speed (the generated acceptor, the
``fastjsonschema`` validator, the table of flows asked again) all look at values
through ``==`` or ``get``; a ``str`` subclass equal to everything once passed the
fast validator and crashed in the conversion.
"""

from __future__ import annotations

import datetime
import enum
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pettenlogic import InvalidInput, Rulebook, load_rulebook
from pettenlogic.model.intake import plain_copy
from strategies import flow_dicts


@pytest.fixture(scope="module")
def rb() -> Rulebook:
    return load_rulebook()


class EqualToAll(str):
    """Says it equals anything, and hashes as its text."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


class EqualToNone(str):
    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class OtherText(str):
    """Its ``str()``, ``len()`` and ``lower()`` say something else than it stores."""

    def __str__(self) -> str:
        return "jeugdhulp"

    def __len__(self) -> int:
        return 0

    def lower(self) -> str:  # type: ignore[override]
        return "jeugdhulp"


class OtherNumber(int):
    def __int__(self) -> int:
        return 12

    def __index__(self) -> int:
        return 12

    def __abs__(self) -> int:  # type: ignore[override]
        return 0

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class LyingDict(dict):  # type: ignore[type-arg]
    """Reads through ``get``, ``[]``, ``in`` and ``len`` see nothing of what it holds."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def __getitem__(self, key: Any) -> Any:
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return False

    def __len__(self) -> int:
        return 0


def _text_enum(text: str) -> Any:
    return enum.Enum("Named", [("X", text)], type=str).X


def _int_enum(number: int) -> Any:
    return enum.IntEnum("Counted", [("X", number)]).X


def _lookalikes(value: Any) -> list[Any]:
    """The look-alikes of one plain value (none for booleans and None), some storing
    the value, some another value that they claim to be."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        return [
            EqualToAll(value),
            EqualToAll(f"{value}x"),  # stores no allowed value, equals every one
            EqualToNone(value),
            OtherText(value),
            OtherText("zzz"),
            _text_enum(value),
        ]
    if isinstance(value, int):
        return [OtherNumber(value), OtherNumber(value + 500), _int_enum(value)]
    if isinstance(value, dict):
        return [LyingDict(value)]
    return []


def _places(flow: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member path of a flow dict, objects and leaves."""
    out: list[tuple[Any, ...]] = []
    for key, value in flow.items():
        out.append((*path, key))
        if isinstance(value, dict):
            out += _places(value, (*path, key))
    return out


def _replaced(flow: dict[str, Any], path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    copy = plain_copy(flow)[0]
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return copy


def outcome(rb: Rulebook, data: Any, engine: str) -> Any:
    try:
        return rb.decide(data, engine=engine).to_dict()
    except InvalidInput as exc:
        return ("invalid", [(p.path, p.message) for p in exc.problems])


def many_outcome(rb: Rulebook, data: Any) -> Any:
    try:
        return next(rb.decide_many([data], engine="compiled")).to_dict()
    except InvalidInput as exc:
        return ("invalid", [(p.path, p.message) for p in exc.problems])


def stored(value: Any) -> Any:
    """The plain value a look-alike stores, read by the base types' own methods."""
    if isinstance(value, dict):
        return {str.__str__(k): stored(v) for k, v in dict.items(value)}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, str):
        return str.__str__(value)
    return value


ENGINES = ("evaluator", "compiled", "z3")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flow_dicts(), seed=st.integers(0, 2**32 - 1))
def test_a_lookalike_decides_as_the_value_it_stores(
    rb: Rulebook, flow: dict[str, Any], seed: int
) -> None:
    rng = random.Random(seed)
    places = [p for p in _places(flow) if _lookalikes(_at(flow, p))]
    if not places:
        return
    path = rng.choice(places)
    plain = _at(flow, path)
    new = rng.choice(_lookalikes(plain))
    data = _replaced(flow, path, new)
    for engine in ENGINES:  # the plain flow first: its decision is kept by the fast paths
        rb.decide(flow, engine=engine)
    expected = outcome(rb, stored(data), "evaluator")
    for engine in ENGINES:
        assert outcome(rb, data, engine) == expected, (engine, path, type(new).__name__)
    assert many_outcome(rb, data) == expected


def _at(flow: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = flow
    for step in path:
        node = node[step]
    return node


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cls", [EqualToAll, OtherText])
def test_a_str_subclass_claiming_a_known_task_is_refused(
    rb: Rulebook, engine: str, cls: type[str]
) -> None:
    """The reproducer: ``van.taak`` stores ``zzz`` but says it is any task (or its
    ``str()`` says ``jeugdhulp``). It once passed the fast validator and crashed."""
    flow = {
        "gegevens": {"categorie": "hulpvraag"},
        "van": {"taak": cls("zzz")},
        "naar": {"taak": "toeleiding"},
    }
    with pytest.raises(InvalidInput) as info:
        rb.decide(flow, engine=engine)
    assert info.value.problems[0].path == "van.taak"
    assert '"zzz"' in str(info.value)


class Named(str):
    """A key that stores one name and claims another (hash and ``==``)."""

    def __hash__(self) -> int:
        return hash("van")

    def __eq__(self, other: object) -> bool:
        return other == "van"

    def __ne__(self, other: object) -> bool:
        return other != "van"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_key_claiming_a_known_member_is_read_as_the_name_it_stores(
    rb: Rulebook, engine: str
) -> None:
    """``Named("zzz")`` is found by ``get("van")`` and passes a subset test of the
    known names; it stores ``zzz``, an unknown member, and the flow is refused."""
    flow = {
        "gegevens": {"categorie": "hulpvraag"},
        Named("zzz"): {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding"},
    }
    assert flow.get("van") == {"taak": "jeugdhulp"}  # the look-alike does what it claims
    with pytest.raises(InvalidInput) as info:
        rb.decide(flow, engine=engine)
    assert "zzz" in str(info.value)
    assert rb.fast.reader.values(flow) is None


@pytest.mark.parametrize("engine", ENGINES)
def test_enum_members_in_a_dict_stand_for_their_values(rb: Rulebook, engine: str) -> None:
    plain = {
        "gegevens": {"categorie": "hulpvraag", "betrokkene": {"leeftijd": 12}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding"},
    }
    members = {
        "gegevens": {
            "categorie": _text_enum("hulpvraag"),
            "betrokkene": {"leeftijd": _int_enum(12)},
        },
        "van": {"taak": _text_enum("jeugdhulp")},
        "naar": {"taak": "toeleiding"},
    }
    assert outcome(rb, members, engine) == outcome(rb, plain, "evaluator")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_list_that_lies_about_its_length_is_refused(rb: Rulebook, engine: str) -> None:
    class Short(list):  # type: ignore[type-arg]
        def __len__(self) -> int:
            return 0

    flow = {"gegevens": {"categorie": Short(["hulpvraag", "x"])}, "van": {"taak": "jeugdhulp"}}
    with pytest.raises(InvalidInput):
        rb.decide(flow, engine=engine)


class OtherDay(datetime.date):
    """A day whose ``isoformat`` and ``str`` name another day."""

    def isoformat(self) -> str:
        return "2020-07-01"

    def __str__(self) -> str:
        return "2020-07-01"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_peildatum_option_takes_the_day_a_date_subclass_stores(
    rb: Rulebook, engine: str
) -> None:
    flow = {
        "gegevens": {"categorie": "hulpvraag"},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding"},
    }
    decided = rb.decide(flow, engine=engine, peildatum=OtherDay(2026, 7, 1))
    assert decided.peildatum == "2026-07-01"
    again = next(rb.decide_many([flow], engine=engine, peildatum=OtherDay(2026, 7, 2)))
    assert again.peildatum == "2026-07-02"
