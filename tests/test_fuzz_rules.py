"""Fuzzing the loader with mutated copies of the bundled rule files.

Two kinds of mutation, each run through :func:`load_rulebook` (and, if it loads, a
decision by the evaluator):

* *condition mutations* put hostile text inside a condition (``#``, non-ASCII,
  look-alike letters, backslashes, control characters ...). The folder must be
  refused, or load with every condition exactly as before: a condition never loads
  with part of it silently dropped or folded.
* *file mutations* flip bits, replace bytes, truncate, delete or duplicate lines, or
  insert YAML features (tags, anchors, merge keys, deep nesting, huge numbers ...).
  Loading must end in a :class:`SpecError` whose problems are all one printable
  ``file:line: message`` each, or in a rulebook: never in any other exception.

The mutation functions take a ``pick(n)`` (a choice in ``range(n)``), so the same
code runs under Hypothesis here and under a seeded ``random`` for fuzzing campaigns.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DESIGN_EXAMPLE
from pettenlogic import SpecError, load_rulebook
from pettenlogic.rules import loader
from pettenlogic.rules.expr import Expr
from pettenlogic.rules.spec import Specs

Pick = Callable[[int], int]

RULES = loader.bundled_specs() / "rules"
NAMES = sorted(p.name for p in RULES.glob("*.yaml"))
ORIGINAL = {name: (RULES / name).read_bytes() for name in NAMES}
TEXTS = {name: data.decode("utf-8") for name, data in ORIGINAL.items()}
PROBLEM = re.compile(r"^\S.*?:\d+: \S")
#: what Python would skip, splice or fold in a condition
HIDING = re.compile(r"[^\t\n\r\x20-\x7e]|[#\\;]")

#: inserted into a condition: each would be ignored, spliced or folded by Python
CONDITION_SNIPPETS = [
    "#",
    " #",
    " # and gegevens.categorie == 'diagnose'",
    "#)",
    "\\",
    ";",
    "; x",
    "é",
    "\u00a0",  # no-break space
    "\u2003",  # em space
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\u0430",  # Cyrillic a
    "\uff56",  # fullwidth v
    "\ufb01",  # the ligature fi (NFKC: fi)
    "\U0001d41a",  # mathematical bold a
    "\ufeff",
    "\x0c",
    "\x0b",
    "\u2028",
]
#: inserted anywhere: YAML features the loader must refuse or survive
YAML_SNIPPETS = [
    "&a ",
    "*a ",
    "!!int ",
    "!!str ",
    "!!binary ",
    "!!set ",
    "!!python/object/apply:os.system ['true'] ",
    "!foo ",
    "<<: {laag: wet}\n",
    "? [a]\n: 1\n",
    "[" * 60,
    "{a: " * 60,
    "9" * 5000,
    "0x" + "f" * 5000,
    "2024-13-45",
    "1" + ":1" * 300,
    '"\\udc80"',
    '"\\e[2J"',
    '"\\0"',
    "\x00",
    "\x1b",
    "---\n",
    "%YAML 1.1\n",
    "\t",
    "'",
    '"',
]


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    """(first, last) character offsets, inclusive, where an insertion lands inside the
    text of a condition (``als``): between the quotes, or after the indentation of a
    line of a folded block."""
    spans: list[tuple[int, int]] = []
    nodes = [yaml.compose(text, Loader=yaml.SafeLoader)]
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.SequenceNode):
            nodes.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                nodes.append(value)
                if key.value == "als" and isinstance(value, yaml.ScalarNode):
                    spans.extend(_content(text, value))
    return spans


def _content(text: str, node: yaml.ScalarNode) -> Iterator[tuple[int, int]]:
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ('"', "'"):
        yield start + 1, end - 1
        return
    offset = text.index("\n", start) + 1  # a block scalar: its lines follow the header
    for line in text[offset:end].split("\n"):
        if line.strip():
            indent = len(line) - len(line.lstrip(" "))
            yield offset + indent, offset + len(line)
        offset += len(line) + 1


SPANS = {name: _scalar_spans(text) for name, text in TEXTS.items()}


def look_alike(char: str, pick: Pick) -> str:
    """A character Python's NFKC folding turns into ``char`` (an ASCII letter)."""
    lower = char.islower()
    base = ord(char) - (ord("a") if lower else ord("A"))
    fullwidth = (0xFF41 if lower else 0xFF21) + base
    bold = (0x1D41A if lower else 0x1D400) + base
    return chr((fullwidth, bold)[pick(2)])


def mutate_condition(pick: Pick) -> tuple[str, bytes]:
    """Insert a hostile snippet into a condition, or swap a letter for a look-alike."""
    name = NAMES[pick(len(NAMES))]
    text, spans = TEXTS[name], SPANS[name]
    if not spans:
        return name, ORIGINAL[name]
    first, last = spans[pick(len(spans))]
    at = first + pick(last - first + 1)
    if pick(3) == 0 and text[at : at + 1].isascii() and text[at : at + 1].isalpha():
        return name, (text[:at] + look_alike(text[at], pick) + text[at + 1 :]).encode()
    snippet = CONDITION_SNIPPETS[pick(len(CONDITION_SNIPPETS))]
    return name, (text[:at] + snippet + text[at:]).encode()


def mutate_file(pick: Pick) -> tuple[str, bytes]:
    """One random change anywhere in a rule file (bytes, lines or YAML features)."""
    name = NAMES[pick(len(NAMES))]
    data = bytearray(ORIGINAL[name])
    at = pick(len(data))
    how = pick(7)
    if how == 0:
        data[at] ^= 1 << pick(8)
    elif how == 1:
        data[at] = pick(256)
    elif how == 2:
        del data[at:]
    elif how in (3, 4):
        lines = bytes(data).split(b"\n")
        i = pick(len(lines))
        lines[i : i + 1] = [] if how == 3 else [lines[i], lines[i]]
        data = bytearray(b"\n".join(lines))
    else:
        snippets = YAML_SNIPPETS if how == 5 else CONDITION_SNIPPETS
        snippet = snippets[pick(len(snippets))].encode("utf-8", "surrogatepass")
        if how == 5:  # at the start of a line, after its indentation
            at = bytes(data).rfind(b"\n", 0, at) + 1
            while data[at : at + 1] == b" ":
                at += 1
        data[at:at] = snippet
    return name, bytes(data)


# -- judging an outcome -------------------------------------------------------------------


def conditions(specs: Specs) -> dict[tuple[str, ...], Expr]:
    """Every condition of a rule set, by where it sits."""
    out: dict[tuple[str, ...], Expr] = {}
    for d in specs.definities:
        out["definitie", d.naam] = d.als
    for t in specs.toekenningen:
        out["toekenning", t.id] = t.als
    for owner in (*specs.regels, *specs.aanvullingen):
        out[type(owner).__name__, owner.id] = owner.als
        for i, g in enumerate((*owner.plichten, *owner.voorwaarden)):
            out[type(owner).__name__, owner.id, "gevolg", str(i)] = g.als
    for r in specs.regels:
        for i, grens in enumerate(r.grenzen):
            out["regel", r.id, "grens", str(i)] = grens.als
    return out


ORIGINAL_CONDITIONS = conditions(load_rulebook().specs)


def _hides_text(data: bytes) -> bool:
    """Whether a condition in this file holds text Python would skip, splice or fold."""
    try:
        found = [yaml.safe_load(data)]
    except (yaml.YAMLError, ValueError, RecursionError):
        return False
    while found:
        item = found.pop()
        if isinstance(item, dict):
            als = item.get("als")
            if isinstance(als, str) and HIDING.search(als):
                return True
            found.extend(item.values())
        elif isinstance(item, list):
            found.extend(item)
    return False


def outcome(folder: Path, name: str, data: bytes) -> str:
    """Load ``folder`` with ``data`` as rule file ``name`` and say how it went:
    refused, refused-badly (a problem that is no printable file:line: message), crash,
    loaded-changed (a condition differs from the original), loaded-hidden (conditions
    as before, but text in one was ignored or folded) or loaded-same."""
    target = folder / "rules" / name
    target.write_bytes(data)
    try:
        book = load_rulebook(folder)
        book.decide(DESIGN_EXAMPLE)
    except SpecError as exc:
        good = all(PROBLEM.match(p) and p.isprintable() for p in exc.problems)
        return "refused" if good else "refused-badly"
    except Exception:  # anything else is what the fuzzing looks for
        return "crash"
    finally:
        target.write_bytes(ORIGINAL[name])
    if conditions(book.specs) != ORIGINAL_CONDITIONS:
        return "loaded-changed"
    return "loaded-hidden" if _hides_text(data) else "loaded-same"


# -- the tests ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the bundled specs whose unchanged files are parsed once, not per example
    (the mutated file always goes through the real parser)."""
    target = tmp_path_factory.mktemp("fuzz") / "specs"
    shutil.copytree(loader.bundled_specs(), target)
    parse, known = loader.parse_yaml, {}
    for path in [*target.glob("*.yaml"), *(target / "rules").glob("*.yaml")]:
        known[path.read_bytes()] = parse(path.read_bytes(), path.name)

    def quick(data: bytes, shown: str) -> Any:
        return known[data] if data in known else parse(data, shown)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "parse_yaml", quick)
        yield target


FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(st.data())
def test_hostile_text_in_a_condition_is_refused_or_changes_nothing(
    folder: Path, data: st.DataObject
) -> None:
    name, mutated = mutate_condition(lambda n: data.draw(st.integers(0, n - 1)))
    assert outcome(folder, name, mutated) in ("refused", "loaded-same")


@FUZZ
@given(st.data())
def test_mutated_rule_file_is_refused_cleanly_or_loads(folder: Path, data: st.DataObject) -> None:
    name, mutated = mutate_file(lambda n: data.draw(st.integers(0, n - 1)))
    assert outcome(folder, name, mutated) not in ("crash", "refused-badly", "loaded-hidden")


def test_the_harness_sees_what_it_looks_for(folder: Path) -> None:
    """The judge notices a change, and the spans cover the bundled conditions."""
    assert all(SPANS.values()) and sum(map(len, SPANS.values())) > 150
    name = "00_definities.yaml"
    text = TEXTS[name]
    changed = text.replace("naar.wet == 'jeugdwet'", "naar.wet == 'wmo'", 1)
    assert changed != text
    assert outcome(folder, name, changed.encode()) == "loaded-changed"
    assert outcome(folder, name, ORIGINAL[name]) == "loaded-same"
