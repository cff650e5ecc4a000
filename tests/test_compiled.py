"""The compiled path (``engine="compiled"``) answers exactly as the interpreter.

It shares decisions between flows whose partially evaluated conditions come out
the same, and accepts dicts through an acceptor compiled from the flow schema.
Both are checked here against the interpreter and the full validator: Hypothesis
flows, a seeded batch, the reduced exhaustive domain, a deliberately broken rule
set (with local rules), and mutated inputs for the acceptor.
"""

from __future__ import annotations

import datetime
import json
import random
import time
from collections import OrderedDict
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DESIGN_EXAMPLE
from fuzzing import mutate_json
from pettenlogic import InvalidInput, Rulebook, flow_from_json, load_rulebook
from pettenlogic.evaluate import fast, flatten
from pettenlogic.evaluate.accept import UnsupportedSchema, accept_flow, compile_reader
from pettenlogic.evaluate.codegen import UnsafeSource, check_source, compile_bits, source_of
from pettenlogic.evaluate.residue import Residue, decision_fields
from pettenlogic.evaluate.typed import typed_reader
from pettenlogic.model import peildatum
from pettenlogic.model.convert import check_flow_json
from pettenlogic.rules.expr import And, Cmp, Const, Flag, Not, Or, Same
from strategies import flow_dicts, random_flow
from test_differential import broken_copy, exhaustive_flows

SEED = 20261128


@pytest.fixture(scope="module")
def fresh() -> Rulebook:
    return load_rulebook()


def same(rb: Rulebook, data: Any, lang: str = "nl") -> str | None:
    want = rb.decide(data, lang, engine="evaluator").to_dict()
    got = rb.decide(data, lang, engine="compiled").to_dict()
    return None if got == want else f"{json.dumps(data)}\n  compiled {got}\n  evaluator {want}"


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flow_dicts(), lang=st.sampled_from(["nl", "en"]))
def test_hypothesis_flows_agree(fresh: Rulebook, flow: dict[str, Any], lang: str) -> None:
    report = same(fresh, flow, lang)
    assert report is None, report


def test_seeded_flows_agree_and_decisions_are_shared(fresh: Rulebook) -> None:
    rng = random.Random(SEED)
    batch = [random_flow(rng) for _ in range(10_000)]
    before = len(fresh.fast.memo)
    bad = [r for r in (same(fresh, d) for d in batch) if r]
    assert not bad, "\n".join(bad[:3])
    # flows of one key whose residues agree share one decision object
    assert len(fresh.fast.memo) - before < len(batch)
    again = [fresh.decide(d, engine="compiled") for d in batch[:200]]
    assert all(a is fresh.decide(d, engine="compiled") for a, d in zip(again, batch, strict=False))


# -- flows asked again (the table of kept flows) ---------------------------------------------


def outcome(rb: Rulebook, data: Any, engine: str) -> Any:
    try:
        return rb.decide(data, engine=engine).to_dict()
    except InvalidInput as exc:
        return ("invalid", [p.path for p in exc.problems])


@settings(max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flow_dicts(), seed=st.integers(0, 2**32 - 1))
def test_a_near_copy_of_a_flow_seen_before_is_judged_on_its_own(
    fresh: Rulebook, flow: dict[str, Any], seed: int
) -> None:
    """The flow is decided first (its decision is kept); then a mutation of it, which
    may read the same to ``==`` (``1`` for ``true``, an unknown key, a required
    member removed), must get the evaluator's outcome, not the kept decision."""
    fresh.decide(flow, engine="compiled")
    _what, data = mutate_json(random.Random(seed), flow)
    assert outcome(fresh, data, "compiled") == outcome(fresh, data, "evaluator")


class Text(str):
    """A str subclass: equal to its text, and not a JSON string."""


@pytest.mark.parametrize(
    ("where", "value", "valid"),
    [
        (("omstandigheden", "calamiteit"), 1, False),
        (("omstandigheden", "calamiteit"), 1.0, False),
        (("omstandigheden", "calamiteit"), 0, False),
        (("gegevens", "betrokkene", "leeftijd"), True, False),
        # the validator takes a str subclass; the acceptor leaves it to the validator
        (("van", "taak"), Text("jeugdhulp"), True),
    ],
)
def test_a_value_equal_but_of_another_type_is_not_a_flow_seen_before(
    fresh: Rulebook, where: tuple[str, ...], value: Any, valid: bool
) -> None:
    flow = {
        "gegevens": {"categorie": "hulpvraag", "betrokkene": {"leeftijd": 1}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "toeleiding"},
        "omstandigheden": {"calamiteit": value == 1},
    }
    fresh.decide(flow, engine="compiled")
    data = json.loads(json.dumps(flow))
    node = data
    for step in where[:-1]:
        node = node[step]
    assert node[where[-1]] == value  # equal to Python's ==, which a kept flow must not use
    node[where[-1]] = value
    assert outcome(fresh, data, "compiled") == outcome(fresh, data, "evaluator")
    assert isinstance(outcome(fresh, data, "evaluator"), dict) is valid
    assert fresh.fast.reader.values(data) is None  # never taken from the table


def test_an_empty_object_is_not_an_absent_one() -> None:
    """``{}`` and an absent object give the same leaves, but an object with required
    members may be absent and may not be passed as ``{}``."""
    reader = compile_reader(
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "a": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["b"],
                    "properties": {"b": {"type": "boolean"}},
                },
            },
        }
    )
    assert reader.values({}) == (None,)
    assert reader.values({"a": {}}) is None
    assert reader.values({"a": {"b": True}}) == (True,)
    assert reader.values({"a": {"b": True, "c": 1}}) is None


def test_a_flow_without_peildatum_is_decided_again_on_a_new_day(
    fresh: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = {"gegevens": {"categorie": "hulpvraag"}, "van": {"taak": "jeugdhulp"}}
    flow["naar"] = {"taak": "toeleiding"}
    first = fresh.decide(flow, engine="compiled")
    assert first.peildatum == peildatum.vandaag()
    now = time.time()
    monkeypatch.setattr(peildatum, "_today", (now - 60, now + 60, "2020-07-01"))
    again = fresh.decide(flow, engine="compiled")
    assert again.peildatum == "2020-07-01"
    assert again == fresh.decide(flow, engine="evaluator")
    # decide_many answers a dict asked again in its own loop: the same rule
    monkeypatch.setattr(peildatum, "_today", (now - 60, now + 60, "2021-01-01"))
    (many,) = fresh.decide_many([flow], engine="compiled")
    assert many.peildatum == "2021-01-01"
    assert many == fresh.decide(flow, engine="evaluator")


def test_a_flow_text_is_recalled_only_as_its_flow_would_be(
    fresh: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flow's JSON text kept by ``decide_values(text=...)`` is recalled by its exact
    bytes: a flow naming its day always, a flow without one only on the day it was
    decided; other bytes (the same flow written otherwise) are not recalled."""
    fast, reader = fresh.fast, typed_reader()
    named = {**DESIGN_EXAMPLE, "peildatum": "2024-01-01"}
    bare = {"gegevens": {"categorie": "hulpvraag"}, "van": {"taak": "jeugdhulp"}}
    bare["naar"] = {"taak": "toeleiding"}
    texts = {id(f): json.dumps(f).encode() for f in (named, bare)}
    for flow in (named, bare):
        text = texts[id(flow)]
        assert fast.recall(text, "nl") is None
        vals = reader.read(text)
        assert vals is not None
        decision = fast.decide_values(vals, "nl", text=text)
        assert decision == fresh.decide(flow, engine="evaluator")
        assert fast.recall(text, "nl") is decision
        assert fast.recall(text, "en") is None
        assert fast.recall(json.dumps(flow, indent=1).encode(), "nl") is None
    now = time.time()
    monkeypatch.setattr(peildatum, "_today", (now - 60, now + 60, "2020-07-01"))
    assert fast.recall(texts[id(named)], "nl") is not None
    assert fast.recall(texts[id(bare)], "nl") is None


def test_vandaag_follows_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(peildatum, "_today", (0.0, 1.0, "1970-01-01"))
    assert peildatum.vandaag() == datetime.date.today().isoformat()
    start, until, _iso = peildatum._today
    assert start <= time.time() < until and until - start <= 25 * 3600


def test_sharing_that_ignores_a_duty_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The differential check has teeth: a compiled path that shares decisions without
    looking at the deciding rules' duties (relevance mask 0) disagrees on seeded flows."""
    broken = load_rulebook()
    monkeypatch.setattr(broken.fast, "_relevance", lambda trace: 0)
    rng = random.Random(SEED)
    reports = (same(broken, random_flow(rng)) for _ in range(10_000))
    assert any(r is not None for r in reports)


def _settled_report(rb: Rulebook, data: dict[str, Any]) -> str | None:
    """Where the shared trace of a flow's signature differs from the evaluator's own."""
    flow = flow_from_json(data)
    want = rb.evaluator.trace(flow)
    trace, decision = rb.fast.settled(flatten(flow))
    got = (trace.oordeel, trace.effective, [r.id for r in trace.deciding], decision)
    expected = (
        want.oordeel,
        want.effective,
        [r.id for r in want.deciding],
        rb.evaluator.decision(want, explained=False),
    )
    return None if got == expected else f"{json.dumps(data)}\n  {got}\n  {expected}"


def test_shared_traces_agree_with_the_interpreter(fresh: Rulebook) -> None:
    """The chain search reads verdicts, effective and deciding rules from one trace per
    signature: on seeded flows they are the interpreter's, and traces were shared."""
    rng = random.Random(SEED + 3)
    bad = [r for r in (_settled_report(fresh, random_flow(rng)) for _ in range(3_000)) if r]
    assert not bad, "\n".join(bad[:3])
    assert 0 < len(fresh.fast.traces) < 3_000


def test_trace_sharing_that_ignores_a_condition_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check has teeth: sharing traces by the applying rules alone (relevance mask 0)
    gives some flow another flow's decision."""
    broken = load_rulebook()
    monkeypatch.setattr(broken.fast, "_relevance", lambda trace: 0)
    rng = random.Random(SEED + 3)
    assert any(_settled_report(broken, random_flow(rng)) for _ in range(3_000))


def test_a_rule_set_loaded_again_shares_its_generated_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The compiled form is kept by digest: a second load of the same rules decides with
    the code the first one generated, and compiles nothing for a task seen before."""
    monkeypatch.setattr(fast, "_shared", OrderedDict())  # not the code of earlier tests
    first = load_rulebook()
    data = json.loads(json.dumps(DESIGN_EXAMPLE))
    first.decide(data, engine="compiled")
    compiled: list[Any] = []
    monkeypatch.setattr(fast, "compile_bits", lambda *a: compiled.append(a) or compile_bits(*a))
    again = load_rulebook()
    assert again.fast.bits is first.fast.bits
    assert again.decide(data, engine="compiled") == first.decide(data, engine="compiled")
    assert compiled == []
    other = dict(data, van={"taak": "toeleiding"})
    again.decide(other, engine="compiled")
    assert len(compiled) == 1  # a new task is compiled once, for both rulebooks
    assert "toeleiding" in first.fast.bits


def test_rules_changed_in_memory_get_their_own_code() -> None:
    """Specs changed with ``attrs.evolve`` keep their files' digest; their compiled
    path must follow their own rules, not the code of the rule set loaded before."""
    base = load_rulebook()
    rng = random.Random(SEED + 5)
    flows = [random_flow(rng) for _ in range(300)]
    for data in flows:
        base.decide(data, engine="compiled")
    deciding = {r for data in flows for r in base.decide(data).regels}
    dropped = sorted(deciding)[0]
    specs = attrs.evolve(base.specs, regels=tuple(r for r in base.specs.regels if r.id != dropped))
    assert specs.digest == base.specs.digest
    changed = Rulebook(specs)
    assert changed.fast.bits is not base.fast.bits
    bad = [r for r in (same(changed, data) for data in flows) if r]
    assert not bad, "\n".join(bad[:3])


def test_flow_objects_agree(fresh: Rulebook) -> None:
    rng = random.Random(SEED + 1)
    for _ in range(500):
        flow = flow_from_json(random_flow(rng))
        assert fresh.decide(flow, engine="compiled") == fresh.decide(flow)


def test_exhaustive_reduced_domain_agrees(fresh: Rulebook) -> None:
    bad = [r for r in (same(fresh, d) for d in exhaustive_flows()) if r]
    assert not bad, "\n".join(bad[:3])


def test_broken_rule_set_agrees(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Agreement must hold for any valid rule set, local rules and exceptions included."""
    rb = load_rulebook(broken_copy(tmp_path_factory.mktemp("broken")))
    rng = random.Random(SEED + 2)
    bad = [r for r in (same(rb, random_flow(rng)) for _ in range(3_000)) if r]
    assert not bad, "\n".join(bad[:3])


# -- the acceptor ------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(flow=flow_dicts())
def test_acceptor_accepts_valid_flows_with_the_interpreters_environment(
    flow: dict[str, Any],
) -> None:
    env = accept_flow(flow)
    assert env is not None
    assert env == flatten(flow_from_json(flow))


@settings(max_examples=1_000, deadline=None)
@given(flow=flow_dicts(), seed=st.integers(0, 2**32 - 1))
def test_acceptor_never_accepts_what_the_schema_refuses(flow: dict[str, Any], seed: int) -> None:
    _what, data = mutate_json(random.Random(seed), flow)
    if accept_flow(data) is not None:
        assert check_flow_json(data) == []


def test_acceptor_refuses_a_schema_it_does_not_know() -> None:
    with pytest.raises(UnsupportedSchema, match="patternProperties"):
        compile_reader({"type": "object", "properties": {}, "patternProperties": {}})
    with pytest.raises(UnsupportedSchema, match="closed objects"):
        compile_reader({"type": "object", "properties": {}})


def test_acceptor_takes_an_integral_float_as_json_schema_does() -> None:
    data = {
        "gegevens": {"categorie": "hulpvraag", "betrokkene": {"leeftijd": 15.0}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "veilig_thuis"},
    }
    env = accept_flow(data)
    assert env is not None and env["gegevens.betrokkene.leeftijd"] == 15
    assert type(env["gegevens.betrokkene.leeftijd"]) is int


@pytest.mark.parametrize(
    "leeftijd",
    [
        *(0, 130, 131, -1, 0.0, -0.0, 130.0, 130.5, 131.0, -1.0, 1e300),
        *(float("nan"), float("inf"), True, False, 10**30, "15", None),
    ],
)
def test_acceptor_takes_a_number_exactly_when_the_schema_does(leeftijd: Any) -> None:
    data = {
        "gegevens": {"categorie": "hulpvraag", "betrokkene": {"leeftijd": leeftijd}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "veilig_thuis"},
    }
    env = accept_flow(data)
    assert (env is not None) == (check_flow_json(data) == [])
    if env is not None:
        assert env == flatten(flow_from_json(data))


# -- generated source --------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "def bits(env):\n    return __import__('os')",
        "def bits(env):\n    return env.get('a')",
        "def bits(env):\n    return env.x",
        "def bits(env):\n    return other['a']",
        "def bits(vals):\n    return vals['a']",
        "def bits(vals):\n    return env[1]",
        "def bits(env):\n    return 1.5",
        "import os",
        "def bits(env):\n    pass\ndef more(env):\n    pass",
        "def bits(env):\n    return [x for x in env]",
    ],
)
def test_generated_source_outside_the_shape_is_refused(source: str) -> None:
    with pytest.raises(UnsafeSource):
        check_source(source)


def test_a_hostile_value_stays_a_literal() -> None:
    """Even a value the loader would refuse cannot become code: it is written with repr."""
    hostile = "x') or __import__('os').system('true') or ('"
    fn = compile_bits({}, {}, [[Cmp("van.taak", "==", hostile)]], ["van.taak"])
    assert fn((hostile,)) == (1,)
    assert fn(("jeugdhulp",)) == (0,)
    source, _consts = source_of({}, {}, [[Cmp("van.taak", "==", hostile)]], ["van.taak"])
    check_source(source)


def test_a_rule_far_down_the_list_gets_its_bit() -> None:
    """Bit 20,000 (a rule set of that size): its mask has more than 4,300 decimal digits,
    which Python refuses to write in decimal; the source writes it in hex."""
    conds = [Const(False)] * 20_000 + [Cmp("van.taak", "==", "jeugdhulp"), Const(True)]
    fn = compile_bits({}, {}, [conds], ["van.taak"])
    assert fn(("jeugdhulp",)) == ((1 << 20_000) | (1 << 20_001),)
    assert fn(("toeleiding",)) == (1 << 20_001,)


def test_generated_conditions_agree_with_the_interpreter_per_rule(fresh: Rulebook) -> None:
    """Bit by bit, not only through shared decisions: every rule condition of every
    task's generated function equals the interpreter's closure on seeded flows."""
    rng = random.Random(SEED)
    ev = fresh.evaluator
    for _ in range(2_000):
        flow = random_flow(rng)
        env = flatten(flow_from_json(flow))
        rules, other = fresh.fast._bits_for(env["van.taak"])(fresh.fast.values(env))
        memo: dict[str, bool] = {}
        for i, r in enumerate(fresh.specs.regels):
            assert bool(rules >> i & 1) == ev.cond[r.id](env, memo), (r.id, flow)
        lay = fresh.fast.layout
        closures = [
            *((bit, ev.gevolg[key]) for key, bit in lay.gevolg.items()),
            *((bit, ev.cond[key]) for key, bit in lay.cond.items()),
            *((bit, ev.grens[key]) for key, bit in lay.grens.items()),
        ]
        for bit, closure in closures:
            assert bool(other >> bit & 1) == closure(env, memo), (bit, flow)
        secret = ev.definition("beroepsgeheim", env, memo)
        assert bool(other >> lay.beroepsgeheim & 1) == secret


# -- partial evaluation --------------------------------------------------------------------


def test_residue_folds_known_fields_and_keeps_the_rest() -> None:
    known = {"van.taak": "jeugdhulp"}
    r = Residue({}, known)
    kept = Flag("omstandigheden.pgb")
    assert r.of(And((Cmp("van.taak", "==", "jeugdhulp"), kept))) == kept
    assert r.of(Or((Cmp("van.taak", "==", "jeugdhulp"), kept))) == Const(True)
    assert r.of(Not(Cmp("van.taak", "!=", "jeugdhulp"))) == Const(True)
    assert r.of(Cmp("gegevens.betrokkene.leeftijd", "<", 18)) == Cmp(
        "gegevens.betrokkene.leeftijd", "<", 18
    )


def test_residue_turns_a_half_known_same_into_a_comparison() -> None:
    """``van.taak == naar.taak`` with only ``van.taak`` known must not stay a ``Same``
    that reads the known field: a later stage that knows only ``naar.taak`` could
    not decide it (the reachability classes rely on this)."""
    same = Same("van.taak", "naar.taak")
    assert Residue({}, {"van.taak": "jeugdhulp"}).of(same) == Cmp("naar.taak", "==", "jeugdhulp")
    assert Residue({}, {"naar.wet": None}).of(Same("van.wet", "naar.wet", negated=True)) == Cmp(
        "van.wet", "!=", None
    )
    staged = Residue({}, {"naar.taak": "toeleiding"}).of(
        Residue({}, {"van.taak": "jeugdhulp"}).of(same)
    )
    assert staged == Const(False)


def test_decision_fields_are_few_for_a_statutory_route(fresh: Rulebook) -> None:
    known = {
        "van.taak": "jeugdhulp",
        "naar.taak": "veilig_thuis",
        "gegevens.categorie": "hulpvraag",
    }
    fields = decision_fields(fresh.specs, known)
    assert "van.taak" not in fields
    assert len(fields) < 25
