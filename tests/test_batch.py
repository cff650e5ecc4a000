"""Streaming decisions: JSON Lines in and out, ``decide_many``, workers, bad lines."""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DESIGN_EXAMPLE
from pettenlogic import InvalidInput, Rulebook, flow_from_json, load_rulebook
from pettenlogic.cli import MAX_ERROR_LINES, main
from pettenlogic.cli.jsonl import (
    MAX_LINE_BYTES,
    LineError,
    Written,
    chunk_lines,
    decide_chunks,
    decide_stream,
    read_chunks,
    read_lines,
    write_chunks,
)
from strategies import random_flow


@pytest.fixture(scope="module")
def rb() -> Rulebook:
    return load_rulebook()


def lines_of(items: list[Any]) -> str:
    return "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in items)


def run(*args: str, stdin: str | bytes) -> Any:
    return CliRunner().invoke(main, ["decide", *args], input=stdin)


def test_decide_many_is_lazy_and_names_the_bad_index(rb: Rulebook) -> None:
    flows = [random_flow(random.Random(i)) for i in range(5)]
    got = rb.decide_many(iter([*flows, {"x": 1}, DESIGN_EXAMPLE]))
    for flow in flows:
        assert next(got).to_dict() == rb.decide(flow).to_dict()
    with pytest.raises(InvalidInput) as info:
        next(got)
    assert str(info.value).startswith("[5]: ")


class Word(str):
    """A str subclass: marshal refuses it, so the dict is not looked up by its bytes."""


def _mixed_items(seed: int) -> list[Any]:
    """Dicts asked before and not, the same dict twice, Flow objects, a read-only
    mapping, a dict holding a str subclass, a dict without peildatum."""
    rng = random.Random(seed)
    dicts = [random_flow(rng) for _ in range(12)]
    odd = json.loads(json.dumps(dicts[3]))
    odd["van"]["taak"] = Word(odd["van"]["taak"])
    no_day = json.loads(json.dumps(dicts[4]))
    no_day.pop("peildatum", None)
    return [
        *dicts,
        dicts[0],
        json.loads(json.dumps(dicts[1])),  # equal, built anew
        flow_from_json(dicts[2]),
        MappingProxyType(dicts[5]),
        odd,
        no_day,
        no_day,
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("engine", ["evaluator", "compiled", "z3"])
def test_decide_many_decides_every_kind_of_item_as_decide_does(
    rb: Rulebook, engine: str, lang: str
) -> None:
    items = _mixed_items(7)
    for item in items[:6]:  # some asked before, so the compiled engine has them kept
        rb.decide(item, lang=lang, engine="compiled")
    got = [d.to_dict() for d in rb.decide_many(iter(items), lang=lang, engine=engine)]
    assert got == [rb.decide(x, lang=lang, engine="evaluator").to_dict() for x in items]


@pytest.mark.parametrize("engine", ["evaluator", "compiled", "z3"])
@pytest.mark.parametrize("bad", [{"x": 1}, {"van": {"taak": Word("zzz")}}, "flow"])
def test_decide_many_names_the_index_of_a_bad_item_after_kept_ones(
    rb: Rulebook, engine: str, bad: Any
) -> None:
    items = _mixed_items(8)
    for item in items:
        rb.decide(item, engine="compiled")
    got = rb.decide_many([*items, bad, items[0]], engine=engine)
    assert len([next(got) for _ in items]) == len(items)
    with pytest.raises(InvalidInput) as info:
        next(got)
    assert str(info.value).startswith(f"[{len(items)}]: ")


def test_decide_many_checks_its_options_at_once(rb: Rulebook) -> None:
    with pytest.raises(ValueError, match="lang"):
        rb.decide_many([], lang="de")


def test_jsonl_records_in_input_order_with_line_numbers_and_ids(rb: Rulebook) -> None:
    flows = [random_flow(random.Random(i)) for i in range(30)]
    items: list[Any] = [*flows[:10], "", {"id": "abc", "flow": flows[10]}, *flows[11:]]
    result = run("--jsonl", "-", stdin=lines_of(items))
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["regel"] for r in records] == [*range(1, 11), *range(12, 32)]
    assert records[10]["id"] == "abc"
    assert all("id" not in r for i, r in enumerate(records) if i != 10)
    for flow, record in zip(flows, records, strict=True):
        assert record["beslissing"] == rb.decide(flow).to_dict()
    # each line is written as json.dumps writes the record (the decision's text is reused)
    for line, record in zip(result.stdout.splitlines(), records, strict=True):
        assert line == json.dumps(record, ensure_ascii=False)


def test_jsonl_an_id_with_quotes_and_non_ascii_is_written_as_json() -> None:
    flow = random_flow(random.Random(3))
    result = run("--jsonl", "-", stdin=lines_of([{"id": 'a"b\\ é', "flow": flow}]))
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["id"] == 'a"b\\ é' and list(record) == ["regel", "id", "beslissing"]


def test_jsonl_fail_stops_at_the_first_invalid_line() -> None:
    items = [DESIGN_EXAMPLE, {"x": 1}, DESIGN_EXAMPLE]
    result = run("--jsonl", "-", stdin=lines_of(items))
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 1
    assert "<stdin>:2: x: unknown key 'x'" in result.stderr
    assert "1 invalid line(s) (stopped at the first" in result.stderr


def test_jsonl_skip_decides_the_valid_lines_and_caps_the_report() -> None:
    bad = MAX_ERROR_LINES + 30
    items = [DESIGN_EXAMPLE] + ["{not json"] * bad + [DESIGN_EXAMPLE]
    result = run("--jsonl", "--on-error", "skip", "-", stdin=lines_of(items))
    assert result.exit_code == 2
    assert [json.loads(x)["regel"] for x in result.stdout.splitlines()] == [1, bad + 2]
    assert "…and 30 more invalid lines" in result.stderr
    assert f"{bad} invalid line(s), 2 decided" in result.stderr
    assert len(result.stderr.splitlines()) == MAX_ERROR_LINES + 2


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("[" * 50_000, "nested too deeply"),
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"gegevens": NaN}', "NaN is not valid JSON"),
        ('{"id": [1], "flow": {}}', "id: must be a string or an integer"),
        ('{"id": "\\ud800", "flow": ' + json.dumps(DESIGN_EXAMPLE) + "}", "lone surrogate"),
        ('{"id": "x", "flow": {"van": 1}}', "van: wrong type"),
        ("17", "a flow must be a JSON object"),
        ('{"flow": {"van": {"taak": 18446744073709551616}}}', "van.taak"),
        ('{"flow": {}, "id": 99999999999999999999999}', "gegevens: required field"),
        ('{"x": 1' + "0" * 5_000 + "}", "invalid JSON"),
    ],
)
@pytest.mark.parametrize("engine", ["evaluator", "compiled"])  # compiled: the quick reading
def test_jsonl_bad_lines_are_clean_errors(line: str, fragment: str, engine: str) -> None:
    result = run("--jsonl", "--engine", engine, "-", stdin=line + "\n")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert fragment in result.stderr


def test_jsonl_overlong_and_non_utf8_lines(rb: Rulebook) -> None:
    data = (
        b"x" * (MAX_LINE_BYTES + 10) + b"\n\xff\xfe\n" + json.dumps(DESIGN_EXAMPLE).encode() + b"\n"
    )
    result = run("--jsonl", "--on-error", "skip", "-", stdin=data)
    assert result.exit_code == 2
    assert f":1: line longer than {MAX_LINE_BYTES} bytes" in result.stderr
    assert ":2: not UTF-8 text" in result.stderr
    assert json.loads(result.stdout)["regel"] == 3


def test_read_lines_does_not_keep_an_overlong_line() -> None:
    stream = io.BytesIO(b"a" * (3 * MAX_LINE_BYTES) + b"\nok\n")
    assert list(read_lines(stream)) == [(1, None), (2, b"ok\n")]


def test_workers_give_the_same_records_in_the_same_order(rb: Rulebook, tmp_path: Path) -> None:
    from pettenlogic.cli import jsonl as batch

    texts = [json.dumps(random_flow(random.Random(i))).encode() for i in range(300)]
    texts.insert(100, b"{}")
    data = b"\n".join(texts) + b"\n"
    lines = list(read_lines(io.BytesIO(data)))
    original = batch.BATCH_LINES
    batch.BATCH_LINES = 17  # many small batches, so the window really turns over
    try:
        one = list(decide_stream(rb, lines, workers=1))
        two = list(decide_stream(rb, lines, workers=2))
    finally:
        batch.BATCH_LINES = original
    assert one == two
    assert isinstance(one[100][1], LineError)
    # the blocks of chunks (what the command line writes) hold the same lines, errors
    # in their place; small chunks, so the window really turns over
    for workers, engine in ((1, "evaluator"), (2, "evaluator"), (2, "compiled")):
        chunks = read_chunks(io.BytesIO(data), 5_000)
        blocks = list(decide_chunks(rb, chunks, engine=engine, workers=workers))
        flat: list[Any] = []
        for b in blocks:
            flat += [b] if isinstance(b, LineError) else b.data.decode().splitlines()
        assert flat == [r for _n, r in one]
        assert sum(b.count for b in blocks if not isinstance(b, LineError)) == 300


def test_workers_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "flows.jsonl"
    path.write_text(lines_of([random_flow(random.Random(i)) for i in range(50)]))
    single = run("--jsonl", str(path), stdin="")
    double = run("--jsonl", "--workers", "2", str(path), stdin="")
    assert single.exit_code == double.exit_code == 0
    assert single.stdout == double.stdout


def test_workers_and_on_error_need_jsonl() -> None:
    result = run("--workers", "2", "-", stdin=json.dumps(DESIGN_EXAMPLE))
    assert result.exit_code == 2
    assert "only with --jsonl" in result.stderr


# -- the quick reading of plain lines (the typed reader) ---------------------------


def _variants(rng: random.Random, flow: dict[str, Any]) -> list[bytes]:
    """Texts of one flow as a caller might write them, and near misses: compact and
    spaced, in an envelope, a key given twice, an escape, a mutated flow."""
    from fuzzing import mutate_json

    compact = json.dumps(flow, separators=(",", ":"))
    out = [compact, json.dumps(flow), json.dumps({"id": rng.randint(0, 99), "flow": flow})]
    out.append(json.dumps({"flow": flow, "id": "a\u00e9"}, ensure_ascii=False))
    out.append(json.dumps({"flow": flow, "id": 'quote"d'}))
    out.append(json.dumps({"flow": flow, "id": "urn:colon"}))
    out.append(json.dumps({"flow": flow, "id": True}))
    # a key given twice, first with another value: the strict reader refuses it
    for text in (compact, json.dumps(flow)):
        for key in ('"taak":', '"categorie":', '"calamiteit":', '"peildatum":'):
            at = text.find(key)
            if at >= 0:
                out.append(text[:at] + key + '"toeleiding",' + text[at:])
                out.append(text[:at] + key + "true," + text[at:])
    out.append(compact.replace('"van":', '"van" :', 1))
    _what, bad = mutate_json(rng, flow)
    with contextlib.suppress(TypeError, ValueError, RecursionError):  # not JSON at all
        out.append(json.dumps(bad, separators=(",", ":")))
    return [t.encode() for t in out]


def test_quick_lines_read_as_the_strict_reader_does(rb: Rulebook) -> None:
    """Every variant gives the same output line through the quick reading
    (``engine="compiled"``) as through the strict reader (the evaluator), errors
    included; a flow is decided first so its raw key is kept for the near misses."""
    from pettenlogic.cli.jsonl import _quick_line, decide_line

    rng = random.Random(20261129)
    taken = 0
    for n in range(400):
        flow = random_flow(rng)
        rb.decide(flow, engine="compiled")
        for text in _variants(rng, flow):
            got = decide_line(rb, n, text, "nl", "compiled")
            want = decide_line(rb, n, text, "nl", "evaluator")
            assert got == want, text
            # asked again: a valid bare flow's text is now recalled by its bytes
            assert decide_line(rb, n, text, "nl", "compiled") == want, text
            taken += _quick_line(rb, n, text, "nl") is not None
    assert taken > 400  # the plain, valid variants went the quick way


def test_a_key_given_twice_is_refused_on_a_compact_line(rb: Rulebook) -> None:
    line = json.dumps(DESIGN_EXAMPLE, separators=(",", ":"))
    twice = line.replace('"van":{', '"van":{"taak":"handhaving",', 1)
    assert twice != line
    result = run("--jsonl", "--engine", "compiled", "-", stdin=twice + "\n")
    assert result.exit_code == 2
    assert "duplicate key" in result.stderr


# -- reading in chunks, writing from the workers -------------------------------------

_PIECES = st.sampled_from([b"{}", b"  ", b"", b"\r", b"x" * 7, b"\xff", b'{"a": 1}'])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.lists(_PIECES, max_size=4).map(b"".join), max_size=12),
    newline_at_end=st.booleans(),
    size=st.integers(1, 40),
    longest=st.integers(1, 12),
)
def test_chunks_hold_the_lines_read_lines_gives(
    lines: list[bytes], newline_at_end: bool, size: int, longest: int
) -> None:
    """Chunks of any size, split by the worker, give the same numbered lines as
    reading line by line: blank lines skipped, overlong lines ``None`` (also one
    longer than a chunk), a last line without its newline kept."""
    data = b"\n".join(lines) + (b"\n" if newline_at_end and lines else b"")
    want = list(read_lines(io.BytesIO(data), longest))
    chunks = list(read_chunks(io.BytesIO(data), size, longest))
    got = [line for chunk in chunks for line in chunk_lines(chunk, longest)]
    assert got == want
    assert all(c[1] is None or len(c[1]) <= size + longest for c in chunks)


def test_an_overlong_line_is_not_kept_in_a_chunk() -> None:
    data = b"{}\n" + b"x" * 100 + b"\n{}"
    chunks = list(read_chunks(io.BytesIO(data), 8, 10))
    assert (2, None) in chunks
    assert all(c[1] is None or b"x" * 11 not in c[1] for c in chunks)


def _bad_lines() -> bytes:
    rng = random.Random(7)
    out = []
    for i in range(120):
        if i % 17 == 5:
            out.append(rng.choice([b"{}", b"not json", b'{"van": 1}', b"[1, 2]"]))
        elif i % 23 == 3:
            out.append(b"")
        else:
            out.append(json.dumps(random_flow(rng)).encode())
    return b"\n".join(out) + b"\n"


@pytest.mark.parametrize("stop", [False, True])
def test_workers_writing_in_turn_write_what_one_process_writes(
    rb: Rulebook, tmp_path: Path, stop: bool
) -> None:
    """Chunks of a few lines (so the turn passes many times between two workers):
    the file holds the lines one process gives, in order; the errors come back in
    order; stopping at an error writes nothing after it."""
    data = _bad_lines()
    want_data, want_errors = b"", []
    for result in decide_chunks(rb, read_chunks(io.BytesIO(data), 600), engine="compiled"):
        if isinstance(result, LineError):
            want_errors.append(result)
            if stop:
                break
        else:
            want_data += result.data
    path = tmp_path / "out.jsonl"
    with path.open("wb") as out:
        chunks = read_chunks(io.BytesIO(data), 600)
        results = list(
            write_chunks(rb, chunks, out.fileno(), engine="compiled", stop_at_error=stop)
        )
    errors = [r for r in results if isinstance(r, LineError)]
    assert path.read_bytes() == want_data
    assert errors[: len(want_errors)] == want_errors
    if stop:
        assert len(errors) == 1
    assert sum(r.count for r in results if isinstance(r, Written)) == want_data.count(b"\n")


def _fails_on_second(book: Rulebook, chunk: Any, *options: Any) -> list[Any]:
    if chunk[0] == 2:
        raise RuntimeError("worker broke")
    from pettenlogic.cli.parallel import Block

    return [Block(b"line %d\n" % chunk[0], 1)]


def test_a_failing_worker_passes_its_turn_on_and_the_error_reaches_the_caller(
    rb: Rulebook, tmp_path: Path
) -> None:
    from pettenlogic.cli.parallel import write_in_turn

    path = tmp_path / "out.txt"
    with path.open("wb") as out, pytest.raises(RuntimeError, match="worker broke"):
        batches = [(n, b"") for n in (1, 2, 3, 4)]
        options = ("nl", "compiled", None)
        for _ in write_in_turn(rb, batches, 2, _fails_on_second, options, out.fileno(), False):
            pass
    assert path.read_bytes().startswith(b"line 1\n")


def test_workers_write_the_same_output_from_the_command_line(tmp_path: Path) -> None:
    """With a real standard output, two workers write the decisions themselves:
    the output and the error report are those of one process."""
    import subprocess
    import sys

    path = tmp_path / "flows.jsonl"
    path.write_bytes(_bad_lines())
    outs = []
    for workers in ("1", "2"):
        for on_error in ("skip", "fail"):
            args = [sys.executable, "-m", "pettenlogic", "decide", "--jsonl"]
            args += ["--engine", "compiled", "--workers", workers, "--on-error", on_error]
            done = subprocess.run([*args, str(path)], capture_output=True, check=False)
            assert done.returncode == 2, done.stderr
            outs.append((on_error, done.stdout, done.stderr))
    assert outs[:2] == outs[2:]
    assert outs[0][1].count(b"\n") > 100 > outs[1][1].count(b"\n") > 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_closed_output_is_a_clean_error(tmp_path: Path, workers: str) -> None:
    """The reader of the output leaves early (``| head``): one clear line on stderr,
    exit 2, no traceback, whether the reading process or the workers write."""
    import subprocess
    import sys

    path = tmp_path / "flows.jsonl"
    path.write_text(lines_of([random_flow(random.Random(i)) for i in range(4000)]))
    args = [sys.executable, "-m", "pettenlogic", "decide", "--jsonl", "--engine", "compiled"]
    with subprocess.Popen(
        [*args, "--workers", workers, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 2
    assert "output was closed" in err
    assert "Traceback" not in err and "Exception ignored" not in err
