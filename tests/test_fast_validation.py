"""The fast validator (fastjsonschema) and jsonschema agree on accept/reject.

The fast path only short-cuts well-formed input; a disagreement where the fast
path accepts something jsonschema rejects would let a malformed flow through, so
it is tested on valid flows and on every kind of single corruption.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pettenlogic.model.convert import _accepts_fast, _validator
from pettenlogic.model.fields import flow_fields
from strategies import flow_dicts

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(sorted({v for f in flow_fields().values() if f.enum for v in f.values})),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _slow_accepts(data: Any) -> bool:
    return not any(True for _ in _validator().iter_errors(data))


def _corrupt(data: dict[str, Any], path: str, action: str, junk: Any, key: str) -> dict[str, Any]:
    out = copy.deepcopy(data)
    parts = path.split(".")
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if action == "replace":
        node[parts[-1]] = junk
    elif action == "delete":
        node.pop(parts[-1], None)
    else:
        node[key] = junk
    return out


@settings(max_examples=400, deadline=None)
@given(flow_dicts())
def test_agree_on_valid_flows(data: dict[str, Any]) -> None:
    assert _accepts_fast(data) == _slow_accepts(data) is True


@settings(max_examples=1500, deadline=None)
@given(
    flow_dicts(),
    st.sampled_from(sorted(flow_fields())),
    st.sampled_from(["replace", "delete", "add"]),
    JUNK,
    st.text(min_size=1, max_size=8),
)
def test_agree_on_corrupted_flows(
    data: dict[str, Any], path: str, action: str, junk: Any, key: str
) -> None:
    bad = _corrupt(data, path, action, junk, key)
    assert _accepts_fast(bad) == _slow_accepts(bad), bad


def test_fast_path_can_reject() -> None:
    """Guard against a fast validator that accepts everything."""
    assert not _accepts_fast({"gegevens": {"categorie": "x"}})
    assert not _accepts_fast(
        {
            "gegevens": {"categorie": "diagnose"},
            "van": {"taak": "jeugdhulp", "wet": "wmo"},
            "naar": {"taak": "toeleiding"},
        }
    )
