"""Multi-step reachability: chain properties, their failure on broken copies, the witness
chain, the step relation against Z3, and ``pettenlogic bereik``.

Every chain found is checked here independently of the prover: each step is valid flow
input, the evaluator (on the same, possibly broken, rules) permits it, consecutive steps
connect (the next ``van`` is the previous ``naar``), the data stays the same, and the
begin, step and end conditions hold, written again in Python.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import pytest
import z3
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from broken_rules import copy_specs, edit_rule
from pettenlogic import Rulebook, flow_from_json, flow_to_json, load_rulebook
from pettenlogic.cli import main
from pettenlogic.evaluate.residue import fields_read
from pettenlogic.model.fields import flow_fields
from pettenlogic.model.vocabulary import Oordeel
from pettenlogic.rules.expr import TRUE, And, Cmp
from pettenlogic.rules.loader import SpecError, load_specs
from pettenlogic.solver import reach as reach_module
from pettenlogic.solver.edges import Finder, Steps
from pettenlogic.solver.places import data_fields, step_fields
from pettenlogic.solver.properties import load_properties
from pettenlogic.solver.prove import InternalMismatch, Outcome, Prover
from pettenlogic.solver.reach import GEHEIM, NOT_GEHEIM, Reachability, Stages, Vraag, _bfs
from strategies import random_flow

PERMITS = {"toegestaan", "verplicht"}
BEHANDEL = {"behandelgegevens", "diagnose", "behandelplan"}
NO_CONSENT_NO_HARM = (
    "not toestemming and not omstandigheden.conflict_van_plichten.ernstige_schade"
    " and omstandigheden.herleidbaar"
)
FRAUD_CHAIN = "fraudesignalen-uit-jeugdhulp-bereiken-politie-via-handhaving"

Check = Callable[[dict[str, Any], dict[str, Any]], bool]  # (flow, decision) -> holds


def _chain(rb: Rulebook, outcome: Outcome) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The witness chain, validated step by step against the evaluator."""
    assert outcome.tegenvoorbeeld is not None and outcome.beslissing is not None
    flows = outcome.tegenvoorbeeld["keten"]
    decisions = outcome.beslissing["keten"]
    assert len(flows) == len(decisions) >= 1
    out = []
    for i, (flow, stored) in enumerate(zip(flows, decisions, strict=True)):
        assert flow_to_json(flow_from_json(flow)) == flow, "not a normal-form flow"
        d = rb.decide(flow).to_dict()
        assert d == stored and d["oordeel"] in PERMITS
        if i:
            assert flow["van"] == flows[i - 1]["naar"], "the chain does not connect"
            assert flow["gegevens"] == flows[0]["gegevens"], "the data changed"
        out.append((flow, d))
    return out


@cache
def _bundled_rulebook() -> Rulebook:
    return load_rulebook()


def _no_consent(flow: dict[str, Any], _d: dict[str, Any]) -> bool:
    """The properties' ``not toestemming``: no *valid* consent (the definition, which
    also asks who gave it). A witness may hold ``toestemming: gegeven`` given by
    someone who could not give it; which one Z3 offers depends on the process's
    earlier solver work, so the field alone made this check flaky."""
    return not _bundled_rulebook().trace(flow).definitions["toestemming"]


def _no_consent_no_harm(flow: dict[str, Any], d: dict[str, Any]) -> bool:
    return (
        _no_consent(flow, d)
        and not flow["omstandigheden"]["conflict_van_plichten"]["ernstige_schade"]
    )


#: statutory duties to the college that reach treatment data as far as necessary (D4)
DUTIES_TO_COLLEGE = {
    "jw-7.4.0-verstrekking-college",
    "wmo-5.2.2-desgevraagd",
    "wmo-5.2.2-eigen-beweging",
}


def _no_named_duty(d: dict[str, Any]) -> bool:
    return not DUTIES_TO_COLLEGE & set(d["regels"])


def _naar(taak: str) -> Check:
    return lambda flow, _d: bool(flow["naar"]["taak"] == taak)


def _always(_flow: dict[str, Any], _d: dict[str, Any]) -> bool:
    return True


@attrs.frozen
class ChainBreak:
    prop: str
    what: str
    edits: tuple[tuple[str, str, str], ...]  # (rule, old text, new text)
    begin: Check = _always
    stap: Check = _always
    einde: Check = _always
    uitkomst: str = "tegenvoorbeeld"


BREAKS = [
    ChainBreak(
        "behandelgegevens-onder-geheim-nooit-naar-handhaving",
        "the fraud-inquiry duty of Jeugdwet 7.4.0 onder d loses its treatment-data exclusion",
        (
            (
                "jw-7.4.0-lid1d-controle-fraude",
                "and not behandelgegevens and omstandigheden.desgevraagd",
                "and omstandigheden.desgevraagd",
            ),
        ),
        begin=lambda f, d: f["gegevens"]["categorie"] in BEHANDEL and d["beroepsgeheim"],
        stap=lambda f, d: (
            _no_consent(f, d)
            and "conflict-van-plichten" not in d["regels"]
            and f["omstandigheden"]["herleidbaar"]
            and _no_named_duty(d)
        ),
        einde=_naar("handhaving"),
    ),
    ChainBreak(
        "behandelgegevens-uit-hulpverlening-nooit-in-toeleidingsdossier",
        "the social-work ground no longer rests on necessity",
        (("maatschappelijk-werk-verstrekking", "    noodzaak: true\n", ""),),
        begin=lambda f, d: f["gegevens"]["categorie"] in BEHANDEL,
        stap=lambda f, d: (
            _no_consent_no_harm(f, d) and f["omstandigheden"]["noodzakelijk"] is False
        ),
        einde=lambda f, d: f["naar"]["taak"] in {"toeleiding", "regie_toeleiding"},
    ),
    ChainBreak(
        "verwijsindex-alleen-identificatie-langs-elke-keten",
        "the Verwijsindex ground no longer limited to identifying data",
        (("jw-7.1.4.1-verwijsindex", " and gegevens.categorie == 'identificatie'", ""),),
        einde=lambda f, d: (
            f["naar"]["taak"] == "verwijsindex" and f["gegevens"]["categorie"] != "identificatie"
        ),
    ),
    ChainBreak(
        "geheime-gegevens-nooit-herleidbaar-in-beleidsinformatie",
        "the advice against traceable policy information turned into a ground",
        (("beleidsinformatie-herleidbaar-verbod", "effect: verbod", "effect: grond"),),
        begin=lambda f, d: d["beroepsgeheim"],
        einde=lambda f, d: (
            f["naar"]["taak"] == "beleidsinformatie"
            and f["omstandigheden"]["herleidbaar"]
            and "jw-7.4.1-beleidsinformatie" not in d["regels"]
        ),
    ),
    ChainBreak(
        "vroegsignalering-nooit-door-bestandskoppeling",
        "the file-matching verbod demoted to richtlijn",
        (("vroegsignalering-bestandskoppeling-verbod", "laag: wet", "laag: richtlijn"),),
        einde=lambda f, d: (
            f["naar"]["taak"] == "vroegsignalering" and f["omstandigheden"]["bestandskoppeling"]
        ),
    ),
    ChainBreak(
        FRAUD_CHAIN,
        "a report to the police (Sv 161) no longer a ground: the chain disappears",
        (("sv-161-aangifte", "effect: grond", "effect: verbod"),),
        uitkomst="geldt",
    ),
]
CHAIN_PROPS = {b.prop for b in BREAKS}


@pytest.fixture(scope="module")
def bundled() -> tuple[Rulebook, dict[str, Any], dict[str, Outcome]]:
    specs = load_specs(None)
    props = {p.naam: p for p in load_properties(specs) if p.keten is not None}
    prover = Prover(specs)
    return Rulebook(specs), props, {n: prover.prove(p) for n, p in props.items()}


def test_bundled_chain_properties(bundled: Any) -> None:
    _rb, props, outcomes = bundled
    assert set(props) == CHAIN_PROPS and len(props) >= 6
    assert sum(p.verwacht == "geldt" for p in props.values()) >= 5
    assert all(o.as_expected for o in outcomes.values()), outcomes


def test_one_data_class_per_key_finds_the_same_chains(
    bundled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain search visits one data class per key (``Steps.data_key``, the stage-one
    residues of every step relation): searching every data class on its own gives the
    same outcomes and chains through the same places with the same data (the witnesses'
    circumstances may differ: they come from the pool and Z3 models met on the way)."""
    _rb, props, outcomes = bundled
    monkeypatch.setattr(Steps, "data_key", lambda self, di: di)
    prover = Prover(load_specs(None))

    def places(o: Outcome) -> Any:
        steps = (o.tegenvoorbeeld or {}).get("keten", [])
        return o.uitkomst, [(f["gegevens"], f["van"], f["naar"]) for f in steps]

    for name, prop in props.items():
        assert places(prover.prove(prop)) == places(outcomes[name]), name


def test_a_question_about_one_data_class_is_not_answered_for_its_twin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A data class whose rule classes equal an earlier one's (the rules treat their data
    alike) is still searched when the question tells them apart: questions that single
    out such a class get the answers of a search of every data class on its own."""
    specs = load_specs(None)
    reach = Reachability(specs)
    rules = reach.steps(TRUE).base
    first: dict[int, int] = {}
    twins = []
    for di, vast in enumerate(reach.finder.vasts):
        if first.setdefault(id(rules.after_data(di)), di) != di and vast[1] is None:
            twins.append(vast)
    picks = random.Random(3).sample(twins, 3)
    fields = data_fields()
    questions = [
        Vraag(begin=And(tuple(Cmp(f, "==", v) for f, v in zip(fields, vast, strict=True) if v)))
        for vast in picks
    ]

    def answers(r: Reachability) -> list[Any]:
        chains = [r.shortest(q) for q in questions]
        return [k and [(f["gegevens"], f["van"], f["naar"]) for f in k.stappen] for k in chains]

    shared = answers(reach)
    monkeypatch.setattr(Steps, "data_key", lambda self, di: di)
    assert shared == answers(Reachability(specs))
    assert any(shared), "no question has an answer: the comparison would be idle"


def test_the_witness_chain_goes_through_handhaving(bundled: Any) -> None:
    """The property built to have a witness: fraud signals reach the police in two steps,
    not one, and only through the college's enforcement."""
    rb, _props, outcomes = bundled
    chain = _chain(rb, outcomes[FRAUD_CHAIN])
    assert [(f["van"]["taak"], f["naar"]["taak"]) for f, _d in chain] == [
        ("jeugdhulp", "handhaving"),
        ("handhaving", "politie_justitie"),
    ]
    assert all(_no_consent_no_harm(f, d) for f, d in chain)
    assert chain[0][0]["omstandigheden"]["desgevraagd"] is True  # only on request (D34)


@pytest.mark.parametrize("case", BREAKS, ids=[f"{b.prop}: {b.what}" for b in BREAKS])
def test_chain_property_fails_on_broken_copy(case: ChainBreak, tmp_path: Path) -> None:
    folder = copy_specs(tmp_path)
    for item, old, new in case.edits:
        edit_rule(folder, item, old, new)
    specs = load_specs(folder)
    prop = {p.naam: p for p in load_properties(specs, folder)}[case.prop]
    outcome = Prover(specs).prove(prop)
    assert outcome.uitkomst == case.uitkomst and not outcome.as_expected, case.what
    if case.uitkomst == "geldt":
        return
    chain = _chain(Rulebook(specs), outcome)
    assert case.begin(*chain[0]) and case.einde(*chain[-1])
    assert all(case.stap(f, d) for f, d in chain)


def test_steps_agree_with_z3_triple_by_triple() -> None:
    """The residue classes are exact: for sampled triples the step relation equals a
    direct Z3 query on that single triple (no grouping involved)."""
    specs = load_specs(None)
    finder = Finder(specs)
    steps = finder.steps()
    rng = random.Random(8)
    triples = rng.sample(steps.triples(), 40)
    triples += [t for t in steps.triples() if not steps.has(t)][::97][:20]
    for t in triples:
        assert _z3_step(finder, t) == steps.has(t), t
        if steps.has(t):
            witness = steps.env(t)
            assert witness is not None
            assert finder.ev.trace_env(witness).oordeel.value in PERMITS


def _z3_step(finder: Finder, t: tuple[int, int, int]) -> bool:
    """Whether a direct Z3 query on this one triple finds a permitted flow."""
    s = z3.Solver()
    s.add(*finder.fv.well_formed())
    s.add(z3.Or(finder.c.is_verdict[o] for o in _permits()))
    for path, value in finder.known(t).items():
        s.add(finder.c.ec.equals(path, value))
    return bool(s.check() == z3.sat)


@pytest.fixture(scope="module")
def finder() -> Finder:
    return Finder(load_specs(None))


def test_the_replays_z3_verdict_is_the_evaluators(finder: Finder) -> None:
    """A chain step is replayed through the Z3 formulas of the finder (substituted and
    simplified): on seeded flows of every day, they give the evaluator's verdict."""
    rng = random.Random(13)
    for _ in range(300):
        flow = flow_from_json(random_flow(rng))
        assert finder.z3_verdict(flow) is finder.ev.decide(flow).oordeel, flow_to_json(flow)


def test_a_chain_step_z3_does_not_permit_stops_the_proof(
    bundled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replay has teeth: when the Z3 formulas refuse a step of the witness chain,
    the prover reports the mismatch instead of the chain."""
    _rb, props, _outcomes = bundled
    prover = Prover(load_specs(None))
    monkeypatch.setattr(Finder, "z3_verdict", lambda self, flow: Oordeel.VERBODEN)
    with pytest.raises(InternalMismatch, match="Z3 says verboden"):
        prover.prove(props[FRAUD_CHAIN])


def _fixed_fields(finder: Finder, t: tuple[int, int, int]) -> set[str]:
    return set(finder.known(t))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_classes_read_none_of_the_fields_they_fix(finder: Finder, data: st.DataObject) -> None:
    """What makes a class exact: once data, van and naar are substituted (in three
    stages), no residue still reads one of them. A residue that kept, say,
    ``van.taak == naar.taak`` would put a flow within one task and a flow between two
    tasks in one class, and the witness of the one would be taken for the other."""
    base = finder.steps().base
    n = len(finder.plaatsen)
    t = (
        data.draw(st.integers(0, len(finder.vasts) - 1)),
        data.draw(st.integers(0, n - 1)),
        data.draw(st.integers(0, n - 1)),
    )
    residue = base.residues[base.of(t)]
    assert not fields_read(e for _, e in residue) & _fixed_fields(finder, t), t


def test_a_class_never_mixes_a_flow_within_a_task_with_one_between_tasks(
    finder: Finder,
) -> None:
    """The case CI met: the witness of ``ander_college_doel`` to itself (within the same
    task) was replayed for ``ander_college_doel`` to ``regie_toeleiding``."""
    base = finder.steps().base
    rng = random.Random(11)
    for di in rng.sample(range(len(finder.vasts)), 10):
        for ui in range(len(finder.plaatsen)):
            within = base.of((di, ui, ui))
            for vi in range(len(finder.plaatsen)):
                if vi == ui or base.of((di, ui, vi)) != within:
                    continue
                for _ in range(3):
                    vec = {p: rng.choice(_choices(p)) for p in step_fields()}
                    a = finder.ev.trace_env({**finder.known((di, ui, ui)), **vec}).applies
                    b = finder.ev.trace_env({**finder.known((di, ui, vi)), **vec}).applies
                    assert a == b, (di, ui, vi)


def _choices(path: str) -> list[Any]:
    spec = flow_fields()[path]
    if spec.kind == "bool":
        return [True, False]
    if spec.kind == "tribool":
        return [True, False, None]
    if spec.kind == "date":
        return [None]
    return [None, *spec.values] if spec.optional else list(spec.values)


class _FakeSteps:
    """A step relation given as a set of (van, naar) pairs, for one data class."""

    def __init__(self, *pairs: tuple[int, int]) -> None:
        self.pairs = set(pairs)

    def row(self, di: int, ui: int) -> tuple[bool, ...]:
        return tuple((ui, vi) in self.pairs for vi in range(3))

    def has(self, t: tuple[int, int, int]) -> bool:
        return (t[1], t[2]) in self.pairs

    def successors_of(self, di: int, ui: int) -> list[int]:
        return [vi for vi, ok in enumerate(self.row(di, ui)) if ok]


def _stages(first_open: _FakeSteps, mid_geheim: _FakeSteps) -> Stages:
    """Place 0 holds the data; a first step keeps it there (0 to 0), a middle step
    moves it to 1 (0 to 1) and the last goes on to 2 (1 to 2)."""
    first, mid, last = _FakeSteps((0, 0)), _FakeSteps((0, 1)), _FakeSteps((1, 2))
    return Stages(first, first_open, mid, mid_geheim, last, last)  # type: ignore[arg-type]


def test_a_secrecy_stays_with_the_dossier_it_rests_on() -> None:
    """D70: when every way of keeping the data in place is under secrecy, the next step
    out of that place must be one of someone bound by it."""
    assert _bfs(0, 3, _stages(first_open=_FakeSteps(), mid_geheim=_FakeSteps())) is None
    bound = _bfs(0, 3, _stages(first_open=_FakeSteps(), mid_geheim=_FakeSteps((0, 1))))
    assert bound is not None
    assert [(t[1], t[2]) for t, _s, _c in bound] == [(0, 0), (0, 1), (1, 2)]
    assert [c for _t, _s, c in bound] == [GEHEIM, GEHEIM, TRUE]
    # a way of keeping the data in place without secrecy leaves the place open
    open_ = _bfs(0, 3, _stages(first_open=_FakeSteps((0, 0)), mid_geheim=_FakeSteps()))
    assert open_ is not None and [c for _t, _s, c in open_] == [NOT_GEHEIM, TRUE, TRUE]


def test_without_the_secrecy_label_a_colleague_launders_treatment_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The chain property on treatment data under secrecy holds because of D70: with
    the label switched off, a BIG professional keeps the data in a regie file and a
    colleague without a secrecy sends it on from there."""
    specs = load_specs(None)
    prop = {p.naam: p for p in load_properties(specs)}[
        "behandelgegevens-onder-geheim-nooit-naar-handhaving"
    ]
    monkeypatch.setattr(reach_module, "GEHEIM", TRUE)
    monkeypatch.setattr(reach_module, "NOT_GEHEIM", TRUE)
    outcome = Prover(specs).prove(prop)
    assert outcome.uitkomst == "tegenvoorbeeld"
    chain = _chain(Rulebook(specs), outcome)
    kept = [i for i, (f, _d) in enumerate(chain[:-1]) if f["van"] == f["naar"]]
    assert kept and any(
        chain[i][1]["beroepsgeheim"] and not chain[i + 1][1]["beroepsgeheim"] for i in kept
    )


def _permits() -> list[Any]:
    from pettenlogic.model.vocabulary import Oordeel

    return [Oordeel.TOEGESTAAN, Oordeel.VERPLICHT]


def test_all_triples_contain_every_direct_step() -> None:
    specs = load_specs(None)
    reach = Reachability(specs)
    answers = reach.all_triples()
    steps = reach.steps(Vraag().stap)
    finder = reach.finder
    cat = [v for v in finder.vasts]
    for di, ui, vi in steps.triples()[::53]:
        if steps.has((di, ui, vi)):
            key = (cat[di][0], finder.plaatsen[ui], finder.plaatsen[vi])
            assert answers[key], key
    assert not all(answers.values())  # some triples are unreachable (e.g. into verwijsindex)


# -- the command line ------------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["bereik", *args])


def test_cli_bereik_text_and_json() -> None:
    args = ["--categorie", "signalen_fraude", "--van", "jeugdhulp", "--naar", "politie_justitie"]
    args += ["--stap", NO_CONSENT_NO_HARM]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "bereikbaar in 2 stap(pen)" in result.output
    assert "jw-7.4.0-lid1d-controle-fraude" in result.output
    data = json.loads(run(*args, "--json").output)
    assert data["bereikbaar"] is True and len(data["keten"]["stappen"]) == 2


def test_cli_bereik_unreachable_exit_1() -> None:
    args = ["--categorie", "diagnose", "--van", "jeugdhulp", "--naar", "verwijsindex"]
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "onbereikbaar" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--categorie", "diagnoze", "--van", "jeugdhulp", "--naar", "inspectie"], "'diagnose'"),
        (["--categorie", "diagnose", "--van", "jeugdhulp"], "missing --naar"),
        (
            [
                "--categorie",
                "diagnose",
                "--van",
                "jeugdhulp",
                "--naar",
                "inspectie",
                "--stap",
                "x =",
            ],
            "--stap",
        ),
    ],
)
def test_cli_bereik_invalid_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and not result.stdout


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('    keten: {einde: "naar.taak == \'inspectie\'"}\n    voor: "True"\n', "has no 'voor'"),
        ("    keten: {eind: \"naar.taak == 'inspectie'\"}\n", "did you mean 'einde'"),
        ("    keten: {einde: \"naar.taak == 'inspectei'\"}\n", "inspectie"),
        ("    keten: {stap: \"regel('geen-regel')\"}\n", "unknown 'geen-regel'"),
    ],
)
def test_invalid_chain_property_fails_closed(tmp_path: Path, body: str, message: str) -> None:
    folder = copy_specs(tmp_path)
    head = "eigenschappen:\n  - naam: x\n    sectie: '1.7'\n    verwacht: geldt\n"
    tail = "    uitleg: {nl: x, en: x}\n"
    (folder / "properties" / "zz.yaml").write_text(head + body + tail, encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_properties(load_specs(folder), folder)
    assert any("zz.yaml:" in p and message in p for p in err.value.problems), err.value.problems
