"""The two YAML loaders read alike.

Rule files are parsed by libyaml (fast) and, on any error, again by PyYAML's
pure-Python parser, which words the error. Both carry the same checks (anchors,
tags, merge keys, depth, size, characters). So what a file means must not depend
on which parser read it: wherever the Python loader reads a file (every shipped
file, the hostile files, the mutations below), libyaml reads the same values and
lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pettenlogic.rules.yamlsrc import (
    _LOADERS,
    Located,
    YamlError,
    _PyLineLoader,
    decode,
    parse_yaml,
)
from test_fuzz_rules import YAML_SNIPPETS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "specs").rglob("*.yaml"))
HOSTILE = sorted((ROOT / "tests").glob("hostile_*/**/*.yaml"))
FAST = _LOADERS[0]

pytestmark = pytest.mark.skipif(FAST is _PyLineLoader, reason="PyYAML without libyaml")


def shape(value: Any) -> Any:
    """A value with the lines of its mappings, for comparing loads."""
    if isinstance(value, Located):
        items = {k: shape(v) for k, v in value.items()}
        return ("map", value.line, dict(value.key_lines), items)
    if isinstance(value, list):
        return [shape(v) for v in value]
    return (type(value).__name__, value)


def load(text: str, loader: Any) -> Any:
    try:
        return shape(yaml.load(text, Loader=loader))
    except yaml.YAMLError:
        return "error"


def test_there_are_files_to_compare() -> None:
    assert len(SHIPPED) > 20 and len(HOSTILE) > 20


@pytest.mark.parametrize("path", SHIPPED + HOSTILE, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_loaders_read_a_file_alike(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    fast, python = load(text, FAST), load(text, _PyLineLoader)
    assert fast == python or python == "error"
    if path.is_relative_to(ROOT / "specs"):
        assert fast != "error", "a shipped file is read by libyaml"


@settings(max_examples=1_500, deadline=None)
@given(
    path=st.sampled_from(SHIPPED),
    snippet=st.sampled_from(YAML_SNIPPETS) | st.text(max_size=3),
    where=st.floats(0, 1),
)
def test_both_loaders_read_a_mutated_file_alike(path: Path, snippet: str, where: float) -> None:
    """Where the Python loader reads a file, parse_yaml (libyaml first) reads the same
    values and lines. libyaml is a little more lenient (a tab or '?' inside a plain
    scalar of a flow mapping): where only it reads a file, the text stands as written."""
    text = path.read_text("utf-8")
    at = int(where * len(text))
    mutated = (text[:at] + snippet + text[at:]).encode("utf-8", errors="surrogatepass")
    try:
        decoded = decode(mutated, "x.yaml")
    except YamlError:
        return  # refused before any parser sees it
    try:
        got = shape(parse_yaml(mutated, "x.yaml"))
    except YamlError:
        got = "error"
    python = load(decoded, _PyLineLoader)
    assert got == python or python == "error"


def test_an_error_is_worded_by_the_python_loader() -> None:
    """libyaml words a lone surrogate escape its own way; the message users get is the
    Python loader's, with the line."""
    with pytest.raises(ValueError, match=r"x\.yaml:2: .*lone surrogate U\+DC80"):
        parse_yaml(b'a: 1\nb: "\\udc80"\n', "x.yaml")


def test_loading_gives_the_garbage_collector_back_as_it_found_it(tmp_path: Path) -> None:
    """Loading pauses the cyclic garbage collector (it made loading grow faster than the
    rule set) and restores it: on after a load, on after a refused folder, and still off
    when the caller had switched it off."""
    import gc

    from pettenlogic.rules.loader import SpecError, load_specs

    seen: list[bool] = []
    real = gc.disable

    def disable() -> None:
        seen.append(gc.isenabled())
        real()

    assert gc.isenabled()
    try:
        gc.disable = disable  # type: ignore[assignment]
        load_specs(None)
        assert gc.isenabled() and seen == [True]
        with pytest.raises(SpecError):
            load_specs(tmp_path)  # an empty folder: no rules
        assert gc.isenabled()
        real()
        load_specs(None)
        assert not gc.isenabled()
    finally:
        gc.disable = real  # type: ignore[assignment]
        gc.enable()
