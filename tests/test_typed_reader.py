"""The typed reader of flow texts (msgspec) only ever accepts what the strict reader
accepts, and then reads the same values as the acceptor.

It is the first reader of every JSON Lines line with the compiled engine, so a flow
it wrongly took would be decided where the strict reader refuses it. Each test
compares it with the acceptor (:mod:`pettenlogic.evaluate.accept`) and the full
validator on the same text.
"""

from __future__ import annotations

import contextlib
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DESIGN_EXAMPLE
from fuzzing import ODD_VALUES, mutate_json
from pettenlogic.evaluate.accept import UnsupportedSchema, flow_reader
from pettenlogic.evaluate.typed import compile_typed, typed_reader
from pettenlogic.model.convert import check_flow_json
from pettenlogic.model.fields import flow_fields
from pettenlogic.model.schema import flow_schema
from strategies import flow_dicts, random_flow
from test_fast_validation import JUNK, _corrupt

SEPARATORS = st.sampled_from([(",", ":"), (", ", ": "), (" , ", " :  ")])


def _strictly_valid(text: bytes) -> bool:
    """The strict reader's verdict: JSON without duplicate keys, a valid flow."""

    def no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=no_twice)
    except ValueError:
        return False
    return isinstance(data, dict) and not check_flow_json(data)


def _agrees(text: bytes) -> Any:
    """The typed reader's values of ``text``, checked against the strict reader and
    the acceptor."""
    got = typed_reader().read(text)
    if got is not None:
        assert _strictly_valid(text), text
        assert got == flow_reader().values(json.loads(text)), text
    return got


@settings(max_examples=400, deadline=None)
@given(flow_dicts(), SEPARATORS, st.booleans())
def test_valid_flows_are_read_as_the_acceptor_reads_them(
    data: dict[str, Any], separators: tuple[str, str], newline: bool
) -> None:
    text = json.dumps(data, separators=separators, ensure_ascii=False).encode()
    assert _agrees(text + (b"\n" if newline else b"")) is not None


@settings(max_examples=1500, deadline=None)
@given(
    flow_dicts(),
    st.sampled_from(sorted(flow_fields())),
    st.sampled_from(["replace", "delete", "add"]),
    JUNK | st.sampled_from([v for v in ODD_VALUES if isinstance(v, str | int | float)]),
    st.text(min_size=1, max_size=8),
)
def test_corrupted_flows_are_refused_or_read_as_the_acceptor_reads_them(
    data: dict[str, Any], path: str, action: str, junk: Any, key: str
) -> None:
    bad = _corrupt(data, path, action, junk, key)
    with contextlib.suppress(ValueError):  # NaN and infinities are not JSON
        _agrees(json.dumps(bad, allow_nan=False).encode())


def test_seeded_mutations_are_never_taken() -> None:
    """Every mutation of the fuzzer makes the flow invalid: none is read."""
    rng = random.Random(20261129)
    taken = 0
    for _ in range(3000):
        _what, bad = mutate_json(rng, random_flow(rng))
        with contextlib.suppress(TypeError, ValueError, RecursionError):
            text = json.dumps(bad, allow_nan=False).encode()
            taken += _agrees(text) is not None
    assert taken == 0


def _twice(text: str) -> list[bytes]:
    """The text with one key given twice, at every place a key stands."""
    out = []
    for i, ch in enumerate(text):
        if ch == "{" and text[i + 1] == '"':
            end = text.index(",", i) if "," in text[i:] else None
            first = text[i + 1 : end]
            if end is not None and first.count(":") == 1 and "{" not in first:
                out.append((text[: i + 1] + first + "," + text[i + 1 :]).encode())
    return out


def test_a_key_given_twice_is_never_taken() -> None:
    """msgspec keeps the last of duplicate keys; the member count refuses them,
    whether the repeated value is the same or another one."""
    flow = {**DESIGN_EXAMPLE, "peildatum": "2024-01-01"}
    text = json.dumps(flow, separators=(",", ":"))
    variants = _twice(text)
    variants.append(text.replace('"van":{', '"van":{"taak":"handhaving",', 1).encode())
    assert len(variants) >= 4
    for variant in variants:
        assert not _strictly_valid(variant)
        assert typed_reader().read(variant) is None, variant
    assert typed_reader().read(text.encode()) is not None


def test_what_msgspec_refuses_goes_the_strict_way() -> None:
    """Valid flows the typed reader declines (the strict reader takes them): an
    integral float, a colon inside a string, a byte order mark."""
    base = json.loads(json.dumps(DESIGN_EXAMPLE))
    base["gegevens"]["betrokkene"] = {"leeftijd": 12.0}
    declined = [json.dumps(base).encode()]
    declined.append(b"\xef\xbb\xbf" + json.dumps(DESIGN_EXAMPLE).encode())
    for text in declined:
        assert typed_reader().read(text) is None
    assert _strictly_valid(declined[0])


def test_envelopes() -> None:
    reader = typed_reader()
    flow = json.dumps(DESIGN_EXAMPLE)
    want = flow_reader().values(DESIGN_EXAMPLE)
    assert reader.read_envelope(f'{{"id": 7, "flow": {flow}}}'.encode()) == (7, want)
    assert reader.read_envelope(f'{{"flow": {flow}, "id": "a"}}'.encode()) == ("a", want)
    assert reader.read_envelope(f'{{"flow": {flow}}}'.encode()) == (None, want)
    for refused in (
        f'{{"id": true, "flow": {flow}}}',  # an id is a string or an integer
        f'{{"id": 1, "id": 2, "flow": {flow}}}',  # given twice
        f'{{"id": "a:b", "flow": {flow}}}',  # a colon in a string: the strict way
        f'{{"id": 1, "flow": {flow}, "x": 1}}',
        '{"id": 1, "flow": {"gegevens": 1}}',
        '{"id": 1}',
    ):
        assert reader.read_envelope(refused.encode()) is None, refused
    assert reader.read(f'{{"id": 7, "flow": {flow}}}'.encode()) is None


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda s: s["properties"]["van"]["properties"]["taak"].update(minLength=1), "minLength"),
        (lambda s: s["properties"]["van"].update(dependentRequired={}), "dependentRequired"),
        (lambda s: s["properties"]["gegevens"]["properties"].update(x={"type": "number"}), "x"),
        (lambda s: s["properties"]["van"]["if"].update(oneOf=[]), "oneOf"),
    ],
)
def test_a_schema_it_does_not_know_stops_the_build(change: Any, fragment: str) -> None:
    schema = json.loads(json.dumps(flow_schema()))
    change(schema)
    with pytest.raises(UnsupportedSchema, match=fragment):
        compile_typed(schema)
