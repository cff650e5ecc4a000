"""Fail closed from every flow entry point: the holes a fuzzing campaign found stay shut.

Each reproducer of the campaign is a regression test here (they failed on the
code before the fix); the bounded fuzz runs at the end use the mutators of
:mod:`fuzzing`. Hostile *rule files* are covered in ``test_hostile_rules.py``.
"""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DESIGN_EXAMPLE
from fuzzing import (
    byte_flips,
    fuzz_json,
    fuzz_objects,
    mutate_json,
    mutate_object,
)
from pettenlogic import InvalidInput, Rulebook, SpecError, flow_from_json, load_rulebook
from pettenlogic.cli import main
from pettenlogic.cli.jsonl import parse_json
from pettenlogic.model.convert import Problem
from pettenlogic.model.intake import MAX_DEPTH, MAX_PROBLEMS, MAX_STRING, SHOWN_CHARS
from strategies import flow_dicts, flows, random_flow, random_flows

ROOT = Path(__file__).resolve().parents[1]
FUZZ_SEED = 20261128


@pytest.fixture(scope="module")
def rb() -> Rulebook:
    return load_rulebook()


def refused(rb: Rulebook, value: Any, engine: str = "evaluator") -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        rb.decide(value, engine=engine)
    return info.value


# -- 1. Flow objects are validated like JSON ------------------------------------------


def _valid_flow() -> Any:
    return flow_from_json(DESIGN_EXAMPLE)


@pytest.mark.parametrize("engine", ["evaluator", "z3", "compiled"])
@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("omstandigheden.noodzakelijk", "nee", "expected true, false or null"),
        ("omstandigheden.aangifte_beperkt", "nee", "expected true, false or null"),
        ("omstandigheden.strafbaar_feit", "misdrijf", "expected a StrafbaarFeit member"),
        ("professional.ambtenaar", 1, "expected true or false"),
        ("naar.taak", "TOELEIDING", "expected a Taak member"),
        ("naar.taak", "toeleiding", 'use Taak("toeleiding")'),
        ("gegevens.categorie", None, "expected a Categorie member"),
        ("professional.beroepscode", 1, "expected true or false"),
        ("gegevens.betrokkene.leeftijd", 15.0, "expected an integer"),
        ("gegevens.betrokkene.leeftijd", 500, "out of range"),
        ("van", {"taak": "jeugdhulp"}, "expected a Context object"),
        # the practitioner fields of issue 7 item 4
        ("omstandigheden.toestemming_door", "gezag", 'use ToestemmingDoor("gezag")'),
        ("omstandigheden.toestemming_door", True, "expected a ToestemmingDoor member"),
        ("gegevens.betrokkene.relatie", "derde", 'use Relatie("derde")'),
        ("gegevens.betrokkene.relatie", 0, "expected a Relatie member"),
    ],
)
def test_flow_object_with_invalid_leaf_is_refused(
    rb: Rulebook, engine: str, path: str, value: Any, fragment: str
) -> None:
    flow = _valid_flow()
    parts = path.split(".")

    def evolve(obj: Any, parts: list[str]) -> Any:
        head, *rest = parts
        new = value if not rest else evolve(getattr(obj, head), rest)
        return attrs.evolve(obj, **{head: new})

    rb.decide(flow, engine=engine)  # the valid flow is decided (and kept) first
    err = refused(rb, evolve(flow, parts), engine)
    assert fragment in str(err)
    assert err.problems[0].path == path


# -- 1b. The practitioner fields (issue 7 item 4) fail closed from JSON and the CLI --------


def _consent_flow(**omstandigheden: Any) -> dict[str, Any]:
    """A flow that is toegestaan on consent alone: secrecy holds it back otherwise."""
    return {
        "gegevens": {"categorie": "hulpvraag", "betrokkene": {"leeftijd": 10}},
        "van": {"taak": "jeugdhulp"},
        "naar": {"taak": "maatschappelijk_werk"},
        "professional": {"registratie": "skj"},
        "omstandigheden": {"toestemming": "gegeven", "noodzakelijk": True, **omstandigheden},
    }


@pytest.mark.parametrize("engine", ["evaluator", "z3"])
@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        ("omstandigheden", "toestemming_door", "ouders"),
        ("omstandigheden", "toestemming_door", "Gezag"),
        ("omstandigheden", "toestemming_door", ["gezag"]),
        ("omstandigheden", "toestemming_door", 1),
        ("betrokkene", "relatie", "kind"),
        ("betrokkene", "relatie", "client "),
        ("betrokkene", "relatie", False),
    ],
)
def test_unknown_practitioner_values_never_decide(
    rb: Rulebook, engine: str, where: str, key: str, value: Any
) -> None:
    """An unknown giver or relation is refused, naming field, value and the allowed values;
    it never falls back to "absent" (which would count the consent as before)."""
    flow = _consent_flow()
    node = flow["omstandigheden"] if where == "omstandigheden" else flow["gegevens"]["betrokkene"]
    node[key] = value
    err = refused(rb, flow, engine)
    path = f"omstandigheden.{key}" if where == "omstandigheden" else f"gegevens.betrokkene.{key}"
    assert err.problems[0].path == path
    allowed = "betrokkene_en_gezag" if key == "toestemming_door" else "huisgenoot"
    assert allowed in str(err)


def test_unknown_giver_on_the_command_line_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(_consent_flow(toestemming_door="buurvrouw")), encoding="utf-8")
    result = CliRunner().invoke(main, ["decide", "--json", str(path)])
    assert result.exit_code == 2
    assert "omstandigheden.toestemming_door" in result.output
    assert "buurvrouw" in result.output
    assert "wettelijk_vertegenwoordiger" in result.output


@pytest.mark.parametrize("engine", ["evaluator", "z3"])
def test_absent_and_null_practitioner_fields_decide_as_before(rb: Rulebook, engine: str) -> None:
    """Absent or null: the consent counts as before the field existed (D45, D47)."""
    before = rb.decide(_consent_flow(), engine=engine).to_dict()
    assert before["oordeel"] == "toegestaan"
    nulls = _consent_flow(toestemming_door=None)
    nulls["gegevens"]["betrokkene"]["relatie"] = None
    assert rb.decide(nulls, engine=engine).to_dict() == before
    # supplied, the wrong giver makes it stricter, never wider
    child = rb.decide(_consent_flow(toestemming_door="betrokkene"), engine=engine)
    assert child.oordeel.value == "verboden"


def test_flow_object_that_got_verplicht_before_is_refused(rb: Rulebook) -> None:
    """The campaign's example: 'nee' as necessity gave verplicht where False gives verboden."""
    flow = _valid_flow()
    valid = attrs.evolve(flow, omstandigheden=attrs.evolve(flow.omstandigheden, noodzakelijk=False))
    assert rb.decide(valid).oordeel.value != "verplicht"
    hostile = attrs.evolve(
        flow, omstandigheden=attrs.evolve(flow.omstandigheden, noodzakelijk="nee")
    )
    refused(rb, hostile)
    refused(rb, hostile, engine="z3")
    refused(rb, hostile, engine="compiled")


def test_flow_object_breaking_a_cross_field_rule_is_refused(rb: Rulebook) -> None:
    """A typed object can still break the schema's placement rules (wet on a task without one)."""
    flow = _valid_flow()
    from pettenlogic.model.vocabulary import Taak, Wet

    hostile = attrs.evolve(flow, van=attrs.evolve(flow.van, taak=Taak.JEUGDHULP, wet=Wet.WMO))
    assert "van.wet" in str(refused(rb, hostile))
    assert "van.wet" in str(refused(rb, hostile, engine="compiled"))


def test_something_else_than_a_flow_is_refused(rb: Rulebook) -> None:
    for value in (None, 3, "flow", [DESIGN_EXAMPLE], object()):
        assert refused(rb, value).problems[0].path == ""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flows(), seed=st.integers(0, 2**32 - 1))
def test_mutated_flow_objects_never_decide(rb: Rulebook, flow: Any, seed: int) -> None:
    what, obj = mutate_object(random.Random(seed), flow)
    rb.decide(flow, engine="compiled")  # the valid flow is kept: its mutant must not hit it
    for engine in ("evaluator", "z3", "compiled"):
        with pytest.raises(InvalidInput):
            rb.decide(obj, engine=engine)
            pytest.fail(f"decided an invalid Flow object ({what})")


# -- 6. odd Python values: only InvalidInput, never another exception ------------------


def _cyclic() -> dict[str, Any]:
    data = json.loads(json.dumps(DESIGN_EXAMPLE))
    data["omstandigheden"]["zelf"] = data["omstandigheden"]
    return data


def _nested(levels: int) -> dict[str, Any]:
    data = json.loads(json.dumps(DESIGN_EXAMPLE))
    node = data["omstandigheden"]
    for _ in range(levels):
        node["x"] = {}
        node = node["x"]
    return data


ODD_INPUTS = [
    ("cyclic dict", _cyclic(), "contains itself"),
    ("non-string key", {**DESIGN_EXAMPLE, 1: "x"}, "is not a string"),
    ("tuple key", {**DESIGN_EXAMPLE, (1, 2): "x"}, "is not a string"),
    ("complex value", {**DESIGN_EXAMPLE, "gegevens": 1j}, "not a JSON value"),
    (
        "huge int",
        {
            **DESIGN_EXAMPLE,
            "gegevens": {"categorie": "hulpvraag", "betrokkene": {"leeftijd": 10**400}},
        },
        "integer out of range",
    ),
    ("nan", {**DESIGN_EXAMPLE, "gegevens": {"categorie": float("nan")}}, "not a JSON number"),
    ("1,000-level nesting", _nested(1_000), f"more than {MAX_DEPTH} levels"),
    ("bytes", {**DESIGN_EXAMPLE, "van": {"taak": b"jeugdhulp"}}, "not a JSON value"),
    ("set", {**DESIGN_EXAMPLE, "van": {"taak": {"jeugdhulp"}}}, "not a JSON value"),
]


@pytest.mark.parametrize(("name", "value", "fragment"), ODD_INPUTS, ids=[c[0] for c in ODD_INPUTS])
def test_odd_python_input_raises_invalid_input(
    rb: Rulebook, name: str, value: Any, fragment: str
) -> None:
    assert fragment in str(refused(rb, value))


def test_a_mapping_that_is_not_a_dict_is_accepted(rb: Rulebook) -> None:
    """The signature promises ``Mapping``: a read-only view decides like the dict."""
    proxy = MappingProxyType(
        {k: MappingProxyType(v) if isinstance(v, dict) else v for k, v in DESIGN_EXAMPLE.items()}
    )
    assert rb.decide(proxy).to_dict() == rb.decide(DESIGN_EXAMPLE).to_dict()


# -- 7. echoed input is escaped and cut ------------------------------------------------


def test_a_key_with_a_newline_cannot_forge_a_line(rb: Rulebook) -> None:
    err = refused(rb, {**DESIGN_EXAMPLE, "x\nomstandigheden: ok": 1})
    assert "\n" not in str(err)
    assert "\\n" in str(err)


def test_a_huge_string_is_not_echoed(rb: Rulebook) -> None:
    huge = "j" * 50_000_000
    err = refused(rb, {**DESIGN_EXAMPLE, "van": {"taak": huge}})
    assert len(str(err)) < 500
    assert f"at most {MAX_STRING}" in str(err)


def test_a_long_unknown_value_is_cut_and_gets_no_suggestion(rb: Rulebook) -> None:
    value = "jeugdhulp" * 50
    err = refused(rb, {**DESIGN_EXAMPLE, "van": {"taak": value}})
    assert "did you mean" not in str(err)
    assert f"({len(value)} chars)" in str(err)
    assert value[: SHOWN_CHARS + 5] not in str(err)


def test_problems_are_capped(rb: Rulebook) -> None:
    data = {**DESIGN_EXAMPLE, **{f"extra{i}": i for i in range(200)}}
    problems = refused(rb, data).problems
    assert len(problems) == MAX_PROBLEMS
    assert problems[-1].message.startswith("…and ")


# -- 8. errors and rulebooks cross process boundaries intact ---------------------------


def test_invalid_input_survives_pickling(rb: Rulebook) -> None:
    err = refused(rb, {**DESIGN_EXAMPLE, "van": {"taak": "nope"}})
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err)
    assert back.problems == err.problems
    assert all(isinstance(p, Problem) for p in back.problems)


def test_spec_error_survives_pickling(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_rulebook(tmp_path / "missing")
    back = pickle.loads(pickle.dumps(info.value))
    assert str(back) == str(info.value)
    assert back.problems == info.value.problems


def test_rulebook_pickles_and_decides_the_same(rb: Rulebook) -> None:
    rb.decide(DESIGN_EXAMPLE, engine="z3")  # compiled state must not get in the way
    back = pickle.loads(pickle.dumps(rb))
    assert back.digest == rb.digest
    for data in (random_flow(random.Random(i)) for i in range(50)):
        assert back.decide(data).to_dict() == rb.decide(data).to_dict()


def _decide_in_worker(args: tuple[Rulebook, dict[str, Any]]) -> dict[str, Any]:
    book, data = args
    try:
        return book.decide(data).to_dict()
    except InvalidInput as exc:
        return {"fout": exc}


def test_process_pool_with_a_shared_rulebook(rb: Rulebook) -> None:
    """The documented pattern: pass the rulebook to workers; errors come back whole."""
    import multiprocessing

    data = [random_flow(random.Random(i)) for i in range(20)]
    data.append({**DESIGN_EXAMPLE, "van": {"taak": "nope"}})
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_decide_in_worker, [(rb, d) for d in data])
    for d, got in zip(data[:-1], results[:-1], strict=True):
        assert got == rb.decide(d).to_dict()
    err = results[-1]["fout"]
    assert isinstance(err, InvalidInput)
    assert err.problems[0].path == "van.taak"


# -- 3. threads ------------------------------------------------------------------------

THREADS_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    sys.path.insert(0, {tests!r})
    from pettenlogic import load_rulebook
    from pettenlogic.solver.prove import prove_all
    from pettenlogic.solver.properties import load_properties
    from strategies import random_flows

    rb = load_rulebook()
    flows = random_flows(160, 7)
    want = [rb.decide(f).to_dict() for f in flows]
    errors = []

    def work(engine, offset):
        try:
            for i in range(len(flows)):
                j = (i + offset) % len(flows)
                if rb.decide(flows[j], engine=engine).to_dict() != want[j]:
                    errors.append(f"{{engine}} differs on flow {{j}}")
        except Exception as exc:
            errors.append(repr(exc))

    def prove():
        try:
            outcomes = prove_all(rb.specs, load_properties(rb.specs, None), None, 20_000)
            if not all(o.as_expected for o in outcomes):
                errors.append("prove differs under threads")
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=("z3", 20 * k)) for k in range(8)]
    threads += [threading.Thread(target=work, args=("evaluator", 7 * k)) for k in range(2)]
    threads.append(threading.Thread(target=prove))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("\\n".join(errors[:5]) or "ok")
    sys.exit(1 if errors else 0)
    """
)


def test_both_engines_and_prove_are_safe_from_threads() -> None:
    """8 threads on the Z3 engine crashed the process (segfault) before the lock.

    Run in a child process, so a crash fails this test instead of ending pytest.
    """
    script = THREADS_SCRIPT.format(tests=str(Path(__file__).parent))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert proc.stdout.strip() == "ok"


# -- 9. the command line: limits, nesting, floods ---------------------------------------


def cli(*args: str, stdin: str | bytes | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=stdin)


def clean_rejection(result: Any) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output[-500:])
    assert result.stdout == ""
    for line in result.stderr.splitlines():
        assert line.startswith(("pettenlogic: ", "  ")), line  # no forged lines
    return result.stderr


def test_cli_deeply_nested_json_is_a_clean_error() -> None:
    err = clean_rejection(cli("decide", "-", stdin="[" * 100_000 + "]" * 100_000))
    assert "nested too deeply" in err
    err = clean_rejection(cli("decide", "-", stdin=json.dumps(_nested(900))))
    assert f"more than {MAX_DEPTH} levels" in err


def test_cli_input_size_limit() -> None:
    big = json.dumps([DESIGN_EXAMPLE] * 4_000)  # about 1.2 MB
    err = clean_rejection(cli("decide", "--max-input", "1", "-", stdin=big))
    assert "larger than 1 MiB" in err and "--max-input" in err


def test_cli_endless_stdin_stops_at_the_limit() -> None:
    """`yes | pettenlogic decide -` must end by itself with a clean error."""
    proc = subprocess.run(
        f"yes '{{\"a\": 1,' | {sys.executable} -m pettenlogic decide --max-input 2 -",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-500:]
    assert "larger than 2 MiB" in proc.stderr
    assert proc.stdout == ""


def test_cli_flow_count_limit() -> None:
    err = clean_rejection(
        cli("decide", "--max-flows", "3", "-", stdin=json.dumps([DESIGN_EXAMPLE] * 4))
    )
    assert "4 flows" in err and "--max-flows" in err


def test_cli_error_lines_are_capped() -> None:
    many = json.dumps([{"x": i} for i in range(500)])
    err = clean_rejection(cli("decide", "-", stdin=many))
    assert "500 of 500 flows are invalid" in err
    assert "more problem lines" in err
    assert len(err.splitlines()) < 60


def test_cli_forged_key_and_huge_value() -> None:
    err = clean_rejection(cli("decide", "-", stdin=json.dumps({"x\npettenlogic: ok": 1})))
    assert "\\n" in err
    err = clean_rejection(
        cli("decide", "-", stdin=json.dumps({**DESIGN_EXAMPLE, "van": {"taak": "x" * 2_000_000}}))
    )
    assert len(err) < 2_000


def test_cli_huge_integer_literal() -> None:
    text = json.dumps(DESIGN_EXAMPLE).replace('"leeftijd": 15', '"leeftijd": ' + "9" * 5_000)
    err = clean_rejection(cli("decide", "-", stdin=text))
    assert "invalid JSON" in err


def test_cli_streams_an_array_as_one_json_document(rb: Rulebook) -> None:
    data = [random_flow(random.Random(i)) for i in range(5)]
    result = cli("decide", "--json", "-", stdin=json.dumps(data))
    assert result.exit_code == 0
    want = [rb.decide(d).to_dict() for d in data]
    assert result.stdout == json.dumps(want, ensure_ascii=False, indent=2) + "\n"
    assert cli("decide", "--json", "-", stdin="[]").stdout == "[]\n"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--timeout", "0.01"],
        ["diff", str(ROOT / "specs"), str(ROOT / "specs/whatif/zonder-7.4.0"), "--max-groups", "2"],
        [
            "diff",
            str(ROOT / "specs"),
            str(ROOT / "specs/whatif/zonder-7.4.0"),
            "--timeout",
            "0.001",
        ],
    ],
)
def test_verification_limits_end_with_exit_4(args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 4, result.output[-500:]
    assert "incomplete" in result.stderr


def test_check_json_says_whether_it_is_complete() -> None:
    full = json.loads(cli("check", "--json").stdout)
    assert full["volledig"] is True
    cut = cli("check", "--json", "--timeout", "0.01")
    assert json.loads(cut.stdout)["volledig"] is False


def test_prove_time_limit_exit_4() -> None:
    result = cli("prove", "--timeout", "0.001")
    assert result.exit_code in (0, 4)  # a fast machine may finish some within 1 ms
    if result.exit_code == 4:
        assert "TIME" in result.stdout


@pytest.mark.parametrize("command", ["check", "diff", "prove"])
def test_verification_time_limits_must_be_positive(command: str) -> None:
    extra = [str(ROOT / "specs"), str(ROOT / "specs")] if command == "diff" else []
    result = cli(command, *extra, "--timeout", "0")
    assert result.exit_code == 2


# -- bounded fuzzing ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flow_dicts(), seed=st.integers(0, 2**32 - 1))
def test_mutated_json_flows_never_decide(rb: Rulebook, flow: dict[str, Any], seed: int) -> None:
    what, data = mutate_json(random.Random(seed), flow)
    with pytest.raises(InvalidInput):
        rb.decide(data)
        pytest.fail(f"decided an invalid flow ({what})")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flow_dicts())
def test_valid_json_flows_always_decide(rb: Rulebook, flow: dict[str, Any]) -> None:
    assert rb.decide(flow).oordeel is not None


def test_seeded_fuzz_campaign(rb: Rulebook) -> None:
    """5,000 mutated dicts and 3,000 mutated Flow objects: all refused, none crash."""
    base = [random_flow(random.Random(FUZZ_SEED + i)) for i in range(200)]
    tally = fuzz_json(rb, base, FUZZ_SEED, 5_000)
    assert tally.clean, (
        tally.summary() + "\n" + "\n".join((tally.crashes + tally.accepted_invalid)[:10])
    )
    objects = random_flows(200, FUZZ_SEED)
    tally = fuzz_objects(rb, objects, FUZZ_SEED, 3_000)
    assert tally.clean, (
        tally.summary() + "\n" + "\n".join((tally.crashes + tally.accepted_invalid)[:10])
    )


def test_cli_byte_flips_agree_with_the_library(rb: Rulebook) -> None:
    """Flipped bytes of a flow's JSON: the CLI decides exactly what the library accepts."""
    rng = random.Random(FUZZ_SEED)
    text = json.dumps(DESIGN_EXAMPLE)
    for flipped in byte_flips(rng, text, 300):
        result = cli("decide", "--json", "-", stdin=flipped.encode("utf-8"))
        try:
            parsed = parse_json(flipped)
            expected = rb.decide(parsed).to_dict()
        except (ValueError, InvalidInput):
            expected = None
        if expected is None:
            clean_rejection(result)
        else:
            assert result.exit_code == 0, result.stderr
            assert json.loads(result.stdout) == expected


# -- the security page states the limits the code has ------------------------------------


def test_security_page_states_the_current_limits() -> None:
    from pettenlogic.cli import decide as cli_module
    from pettenlogic.model import convert, intake

    page = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = {
        line.split("`")[1]: line
        for line in page.splitlines()
        if line.startswith("| ") and ("(`MAX_" in line or "(`SHOWN" in line)
    }
    expected = {
        "MAX_DEPTH": f"{intake.MAX_DEPTH} levels",
        "MAX_STRING": f"{intake.MAX_STRING:,} characters",
        "MAX_NODES": f"{intake.MAX_NODES:,}",
        "MAX_INT": f"10<sup>{len(str(intake.MAX_INT)) - 1}</sup>",
        "MAX_PROBLEMS": f"{intake.MAX_PROBLEMS}, then",
        "SHOWN_CHARS": f"{intake.SHOWN_CHARS}, with",
    }
    assert 10 ** (len(str(intake.MAX_INT)) - 1) == intake.MAX_INT
    for name, text in expected.items():
        assert name in rows and text in rows[name], (name, rows.get(name))
    assert f"up to {convert.SUGGEST_MAX} characters" in page
    assert f"{cli_module.MAX_INPUT_MIB} MiB (`--max-input MIB`)" in page
    assert f"{cli_module.MAX_FLOWS:,} (`--max-flows N`)" in page
    assert f"{cli_module.MAX_ERROR_LINES}, then a count" in page


def test_problems_carry_value_and_allowed_values_as_data(rb: Rulebook) -> None:
    err = refused(rb, {**DESIGN_EXAMPLE, "van": {"taak": "jeugdhulpp"}, "extra": [1]})
    by_path = {p.path: p for p in err.problems}
    taak = by_path["van.taak"]
    assert taak.value == "jeugdhulpp"
    assert "jeugdhulp" in taak.allowed
    assert by_path["extra"].value == "extra"
    assert "gegevens" in by_path["extra"].allowed
    assert json.loads(json.dumps([p.to_dict() for p in err.problems]))  # JSON-safe
    long = refused(rb, {**DESIGN_EXAMPLE, "van": {"taak": "j" * 900}}).problems[0]
    assert len(long.value) <= SHOWN_CHARS + 1


def test_flow_object_problems_carry_allowed_values(rb: Rulebook) -> None:
    flow = _valid_flow()
    err = refused(rb, attrs.evolve(flow, van=attrs.evolve(flow.van, taak="jeugdhulp")))
    assert err.problems[0].value == "jeugdhulp"
    assert "veilig_thuis" in err.problems[0].allowed


# -- the corpus of hostile flow files ----------------------------------------------------

HOSTILE = Path(__file__).parent / "hostile_flows"
HOSTILE_EXPECT: dict[str, str] = json.loads((HOSTILE / "expect.json").read_text())


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPECT))
def test_hostile_flow_file_is_a_clean_rejection(name: str) -> None:
    """Every file in tests/hostile_flows/ is refused with its expected message, as
    text and as JSON, and never gives a decision."""
    for extra in ([], ["--json"]):
        err = clean_rejection(cli("decide", *extra, str(HOSTILE / name)))
        assert HOSTILE_EXPECT[name] in err, err[-400:]
        assert len(err) < 5_000


def test_hostile_corpus_is_complete() -> None:
    files = {p.name for p in HOSTILE.iterdir() if p.name != "expect.json"}
    assert files == set(HOSTILE_EXPECT)


def test_security_page_states_the_current_rule_file_limits() -> None:
    """Each rule-file limit in the security page's table has the constant's value."""
    import importlib

    page = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| ") and line.endswith("` |")]
    checked = 0
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        module, _, name = cells[-1].strip("`").rpartition(".")
        package = "pettenlogic" if "." in module else "pettenlogic.rules"
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        text = cells[1]
        mib = value / 2**20
        assert f"{value:,}" in text or (mib.is_integer() and f"{int(mib)} MiB" in text), line
        checked += 1
    assert checked >= 12
