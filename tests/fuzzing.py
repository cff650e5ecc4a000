"""Mutators for fuzzing the flow entry points, and the tally they are judged by.

Every mutation here makes a flow invalid *by construction* (a value outside its
field's domain, an unknown key, a missing required key, a non-object, odd Python
values, deep nesting, cycles), so the oracle is simple: each must be refused with
:class:`pettenlogic.InvalidInput` and never get a decision. ``tools/fuzz.py`` runs
the same mutators at a larger scale and prints the figures.
"""

from __future__ import annotations

import copy
import datetime
import random
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from pettenlogic import Flow, InvalidInput, Rulebook
from pettenlogic.model.fields import LEEFTIJD_MAX, FieldSpec, flow_fields
from pettenlogic.model.peildatum import lees_datum

#: values that no field of a flow accepts as JSON (odd types, near misses, huge values)
ODD_VALUES: tuple[Any, ...] = (
    "",
    "nee",
    "TOELEIDING",
    " toeleiding",
    "toeleiding\n",
    "jeugdhulp\x00",
    "ｊｅｕｇｄｈｕｌｐ",  # fullwidth letters
    "x" * 5_000,
    "a\nforged line",
    1.5,
    -1,
    LEEFTIJD_MAX + 1,
    -1.0,  # integral floats out of range: integers to JSON Schema
    LEEFTIJD_MAX + 1.0,
    10**30,
    float("nan"),
    float("inf"),
    [],
    ["toeleiding"],
    {},
    {"taak": "jeugdhulp"},
    "2021-02-30",
    "2020-7-1",
    "20200701",
    "2020-07-01T00:00",
    "2020-W27-3",
    1j,
    b"jeugdhulp",
    frozenset(),
    object(),
)

CONTAINERS = ("", "gegevens", "gegevens.betrokkene", "van", "naar", "professional")
CONTAINERS += ("omstandigheden", "omstandigheden.conflict_van_plichten")
REQUIRED = ("gegevens", "van", "naar", "gegevens.categorie", "van.taak", "naar.taak")


def outside_domain(spec: FieldSpec, value: Any, *, as_object: bool) -> bool:
    """Whether ``value`` is not allowed in this leaf (as JSON, or in a Flow object)."""
    if value is None:
        return not (spec.optional or spec.kind == "tribool")
    if spec.kind == "enum":
        if as_object:
            return not (isinstance(value, spec.enum) if spec.enum else False)
        return not (isinstance(value, str) and value in spec.values)
    if spec.kind in ("bool", "tribool"):
        return type(value) is not bool
    if spec.kind == "date":
        if as_object:
            return type(value) is not datetime.date
        return lees_datum(value) is None
    if type(value) is int:
        return not 0 <= value <= LEEFTIJD_MAX
    if not as_object and type(value) is float and value.is_integer():
        return not 0 <= value <= LEEFTIJD_MAX  # JSON Schema counts 15.0 as an integer
    return True


def _node(data: dict[str, Any], path: str) -> dict[str, Any]:
    for part in filter(None, path.split(".")):
        data = data.setdefault(part, {})
    return data


def _deep(levels: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    return out


def mutate_json(rng: random.Random, flow: dict[str, Any]) -> tuple[str, Any]:
    """One invalid variant of a valid flow dict: (what was done, the variant)."""
    data = copy.deepcopy(flow)
    fields = flow_fields()
    kind = rng.choice(
        ("leaf", "leaf", "leaf", "unknown", "missing", "container", "key", "deep", "cycle", "root")
    )
    if kind == "leaf":
        path, spec = rng.choice(list(fields.items()))
        choices = [v for v in ODD_VALUES if outside_domain(spec, v, as_object=False)]
        if spec.enum is not None:  # a valid value of another field is a near miss too
            other = [v for s in fields.values() if s.enum for v in s.values]
            choices += [v for v in other if v not in spec.values]
        value = rng.choice(choices)
        parent, _, leaf = path.rpartition(".")
        _node(data, parent)[leaf] = value
        return f"{path} = {value!r:.40}", data
    if kind == "unknown":
        where = rng.choice(CONTAINERS)
        key = rng.choice(("extra", "Taak", "toestemmming", "", "a\nb", "x" * 300))
        _node(data, where)[key] = True
        return f"unknown key {key!r:.40} in {where or '<root>'}", data
    if kind == "missing":
        path = rng.choice(REQUIRED)
        parent, _, leaf = path.rpartition(".")
        _node(data, parent).pop(leaf, None)
        return f"{path} removed", data
    if kind == "container":
        where = rng.choice([c for c in CONTAINERS if c])
        parent, _, leaf = where.rpartition(".")
        value = rng.choice(("x", 1, [], [{}], True, "a" * 2_000))
        _node(data, parent)[leaf] = value
        return f"{where} = {value!r:.40}", data
    if kind == "key":
        where = rng.choice(CONTAINERS)
        key = rng.choice((1, 2.5, None, (1, 2), True))
        _node(data, where)[key] = "x"
        return f"non-string key {key!r} in {where or '<root>'}", data
    if kind == "deep":
        where = rng.choice(CONTAINERS)
        levels = rng.choice((40, 500, 5_000))
        _node(data, where)["diep"] = _deep(levels)
        return f"{levels} levels under {where or '<root>'}", data
    if kind == "cycle":
        where = rng.choice([c for c in CONTAINERS if c])
        node = _node(data, where)
        node["zelf"] = node
        return f"cycle in {where}", data
    value = rng.choice(([data], "flow", 1, None, [], data.get("gegevens")))
    return f"root = {type(value).__name__}", value


def _evolve_path(obj: Any, parts: list[str], value: Any) -> Any:
    head, *rest = parts
    if not rest:
        return attrs.evolve(obj, **{head: value})
    return attrs.evolve(obj, **{head: _evolve_path(getattr(obj, head), rest, value)})


def mutate_object(rng: random.Random, flow: Flow) -> tuple[str, Flow]:
    """One invalid variant of a valid Flow object, built with ``attrs.evolve``."""
    fields = flow_fields()
    if rng.random() < 0.15:
        where = rng.choice([c for c in CONTAINERS if c])
        value = rng.choice(({}, None, "x", {"taak": "jeugdhulp"}))
        return f"{where} = {value!r}", _evolve_path(flow, where.split("."), value)
    path, spec = rng.choice(list(fields.items()))
    choices: list[Any] = [v for v in ODD_VALUES if outside_domain(spec, v, as_object=True)]
    if spec.enum is not None:
        choices += list(spec.values)  # the plain string, not the member
        choices += [
            m for s in fields.values() if s.enum and s.enum is not spec.enum for m in s.enum
        ]
    if spec.kind == "int":
        choices += [15.0, True, "15"]
    if spec.kind in ("bool", "tribool"):
        choices += [0, 1, "true", "ja"]
    if spec.kind == "date":
        choices += ["2020-07-01", datetime.datetime(2020, 7, 1), 20200701]
    value = rng.choice([v for v in choices if outside_domain(spec, v, as_object=True)])
    return f"{path} = {value!r:.40}", _evolve_path(flow, path.split("."), value)


@attrs.define
class Tally:
    """Figures of one fuzzing run: what was tried and how it ended."""

    tried: int = 0
    refused: int = 0
    crashes: list[str] = attrs.field(factory=list)
    accepted_invalid: list[str] = attrs.field(factory=list)
    permitting_on_invalid: list[str] = attrs.field(factory=list)

    def judge(self, what: str, decide: Callable[[], Any]) -> None:
        """Run one decision of an invalid input and record how it ended."""
        self.tried += 1
        try:
            decision = decide()
        except InvalidInput:
            self.refused += 1
            return
        except Exception as exc:  # the point of the tally: anything else is a crash
            self.crashes.append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
            return
        self.accepted_invalid.append(f"{what}: {decision.oordeel.value}")
        if decision.oordeel.value in ("toegestaan", "verplicht"):
            self.permitting_on_invalid.append(what)

    def summary(self) -> str:
        return (
            f"tried {self.tried}, refused {self.refused}, crashes {len(self.crashes)}, "
            f"accepted invalid {len(self.accepted_invalid)}, "
            f"permitting on invalid {len(self.permitting_on_invalid)}"
        )

    @property
    def clean(self) -> bool:
        return not (self.crashes or self.accepted_invalid) and self.refused == self.tried


ENGINES = ("z3", "evaluator", "compiled", "evaluator", "compiled")


def fuzz(
    rb: Rulebook,
    flows: list[Any],
    mutate: Callable[[random.Random, Any], tuple[str, Any]],
    seed: int,
    n: int,
) -> Tally:
    """``n`` mutants of ``flows`` through ``Rulebook.decide``, every engine in turn."""
    rng, tally = random.Random(seed), Tally()
    for i in range(n):
        what, value = mutate(rng, rng.choice(flows))
        engine = ENGINES[i % len(ENGINES)]
        tally.judge(what, lambda value=value, engine=engine: rb.decide(value, engine=engine))
    return tally


def fuzz_json(rb: Rulebook, flows: list[dict[str, Any]], seed: int, n: int) -> Tally:
    """``n`` mutated dict flows (see :func:`mutate_json`)."""
    return fuzz(rb, flows, mutate_json, seed, n)


def fuzz_objects(rb: Rulebook, flows: list[Flow], seed: int, n: int) -> Tally:
    """``n`` mutated Flow objects (see :func:`mutate_object`)."""
    return fuzz(rb, flows, mutate_object, seed, n)


def byte_flips(rng: random.Random, text: str, count: int) -> Iterator[str]:
    """``count`` copies of a JSON text with one to three bytes changed, inserted or cut."""
    for _ in range(count):
        chars = list(text)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.4:
                chars[i] = chr(rng.choice((rng.randrange(32, 127), rng.randrange(0, 0x3000))))
            elif op < 0.7:
                chars.insert(i, rng.choice('{}[]",:0123456789 \\"\n'))
            else:
                del chars[i]
        yield "".join(chars)
