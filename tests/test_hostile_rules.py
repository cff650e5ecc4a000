"""Hostile rule files: every one is refused with ``file:line: message``, never a crash.

Each file in ``tests/hostile_rules/`` says what it attacks and carries ``# expect:``
markers on the lines that must be reported (as in ``tests/broken_specs``). Every case
is loaded four ways: as a rule file of a spec folder (through :func:`load_rulebook`),
through ``pettenlogic decide --rules``, as a ``check --gemeente`` file, and as a file a
what-if folder adds. Cases that cannot live in the repository (pipes, devices, huge or
binary files, deep nesting) are built here in ``tmp_path``; the ones that used to hang
or eat memory run in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import DESIGN_EXAMPLE
from pettenlogic import SpecError, load_rulebook
from pettenlogic.cli import main
from pettenlogic.rules.loader import (
    MAX_ENTRIES,
    MAX_EXCEPTION_DEPTH,
    MAX_PROBLEMS,
    MAX_REFERENCE_DEPTH,
    MAX_RULE_FILES,
    MAX_TOTAL_BYTES,
    _back_edges,
    _bottom_up,
    bundled_specs,
    load_specs,
)
from pettenlogic.rules.yamlsrc import MAX_FILE_BYTES, MAX_NESTING, MAX_NODES

HOSTILE = Path(__file__).parent / "hostile_rules"
MARKER = re.compile(r"#\s*expect:\s*(.+?)\s*$")
PROBLEM = re.compile(r"^(?P<file>\S.*?):(?P<line>\d+): \S")
#: no message may grow past this, whatever a file echoes into it
LONGEST_MESSAGE = 600
CASES = sorted(p.name for p in HOSTILE.glob("*.yaml"))
MODES = ("api", "cli", "gemeente", "whatif")

Expected = list[tuple[int, str]]


def expectations(path: Path) -> Expected:
    """(line, text) for every ``# expect:`` marker (read leniently: some files are hostile)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [
        (number, found.group(1))
        for number, line in enumerate(text.split("\n"), 1)
        if (found := MARKER.search(line))
    ]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small valid spec folder: the bundled support files and definitions only."""
    root = tmp_path_factory.mktemp("base") / "basis"
    (root / "rules").mkdir(parents=True)
    for name in ("handreiking.yaml", "codes.yaml", "artikelen.yaml", "rules/00_definities.yaml"):
        shutil.copyfile(bundled_specs() / name, root / name)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def cli_problems(result: Result) -> list[str]:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    head, *rest = result.stderr.splitlines()
    assert head.startswith("pettenlogic: invalid rule folder"), result.stderr
    return [line.strip() for line in rest]


def api_problems(folder: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_rulebook(folder)
    return info.value.problems


Place = Callable[[Path], None]


def copy_of(case: Path) -> Place:
    return lambda target: shutil.copyfile(case, target)


def load(mode: str, name: str, place: Place, base: Path, tmp: Path) -> list[str]:
    """Put a hostile file called ``name`` where ``mode`` reads it; return the problems."""
    tmp.mkdir(parents=True, exist_ok=True)
    if mode in ("api", "cli"):
        folder = tmp / mode
        shutil.copytree(base, folder)
        place(folder / "rules" / name)
        if mode == "api":
            return api_problems(folder)
        example = tmp / "flow.json"
        example.write_text(json.dumps(DESIGN_EXAMPLE), encoding="utf-8")
        return cli_problems(run("decide", "--rules", str(folder), str(example)))
    if mode == "gemeente":
        place(tmp / name)
        return cli_problems(run("check", "--rules", str(base), "--gemeente", str(tmp / name)))
    folder = tmp / "wat-als"
    folder.mkdir()
    place(folder / name)
    (folder / "whatif.yaml").write_text(
        f"basis: {json.dumps(str(base))}\ntoevoegen: [{name}]\n", encoding="utf-8"
    )
    return api_problems(folder)


def assert_clean(problems: list[str], name: str, expected: Expected) -> None:
    """Every problem is one printable ``file:line: message``; each expectation is met."""
    assert problems
    for p in problems:
        assert PROBLEM.match(p), p
        assert p.isprintable(), repr(p)
        assert len(p) <= LONGEST_MESSAGE, p[:200]
    for line, text in expected:
        hits = [
            p
            for p in problems
            if (m := PROBLEM.match(p)) and m["file"].endswith(name) and int(m["line"]) == line
        ]
        assert hits, f"nothing reported at {name}:{line}:\n" + "\n".join(problems)
        assert any(text in p for p in hits), f"{name}:{line} does not say {text!r}:\n{hits}"


# -- the corpus ---------------------------------------------------------------------------


def test_every_case_says_what_it_attacks_and_expects() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        text = (HOSTILE / case).read_bytes().decode("utf-8", errors="replace")
        assert text.startswith("# attack: "), case
        assert expectations(HOSTILE / case), case


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_hostile_file_is_refused(
    case: str, mode: str, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a tag that ran a command would leave a file here
    path = HOSTILE / case
    problems = load(mode, case, copy_of(path), base, tmp_path)
    assert_clean(problems, case, expectations(path))
    assert not (tmp_path / "pwned").exists(), "a YAML tag ran a command"


# -- generated cases ------------------------------------------------------------------------

RULE = """\
  - id: {id}
    titel: {{nl: Test, en: Test}}
    laag: lokaal
    effect: grond
    als: "{als}"
    sectie: "1.1"
    bronnen:
      - {{regeling: avg, artikel: "6", lid: "1"}}
    uitleg: {{nl: Test., en: Test.}}
{extra}"""


def rule(rid: str = "hostile-rule", als: str = "van.taak == 'jeugdhulp'", extra: str = "") -> str:
    return RULE.format(id=rid, als=als, extra=extra)


def theme(*rules: str, definities: str = "") -> str:
    """A theme file; its rules start on line 3 (line 2 holds ``definities`` if given)."""
    return "thema: hostile\n" + definities + "regels:\n" + "".join(rules)


NOODZAAK_LINE = 3 + rule().count("\n")  # the line of an ``extra`` key of the first rule


def write(text: str | bytes) -> Place:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return lambda target: target.write_bytes(data)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def definition_chain(count: int, cycle: bool = False) -> str:
    """``count`` definitions, each naming the next (the last names the first if ``cycle``)."""
    lines = ["definities:\n"]
    for i in range(count):
        nxt = f"keten_{(i + 1) % count}" if cycle or i + 1 < count else "beroepsgeheim"
        lines.append(
            f"  - {{naam: keten_{i}, als: {nxt}, sectie: '1.1', uitleg: {{nl: K., en: K.}}}}\n"
        )
    return "".join(lines)


def exception_chain(count: int, cycle: bool = False) -> str:
    """``count`` rules, each an exception to the next."""
    out = []
    for i in range(count):
        nxt = (i + 1) % count if cycle else i + 1
        extra = f"    uitzondering_op: [keten-{nxt}]\n" if cycle or nxt < count else ""
        out.append(rule(f"keten-{i}", extra=extra))
    return theme(*out)


#: length of the chains below: past the limits (test_graph_walks_do_not_recurse has
#: chains past Python's stack, which MAX_ENTRIES keeps out of rule files)
CHAIN = 200

GENERATED: dict[str, tuple[str | bytes, Expected]] = {
    "deep_list.yaml": (
        theme(rule(extra="    noodzaak: " + "[" * 1000 + "]" * 1000 + "\n")),
        [(NOODZAAK_LINE, f"nested more than {MAX_NESTING} levels")],
    ),
    "deep_mapping.yaml": (
        theme(rule(extra="    noodzaak: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n")),
        [(NOODZAAK_LINE, f"nested more than {MAX_NESTING} levels")],
    ),
    "deep_block_mapping.yaml": (
        theme(rule(extra="".join(f"{'  ' * (i + 2)}k{i}:\n" for i in range(300)))),
        # the top mapping, the regels list and the rule are the first three levels
        [(NOODZAAK_LINE + MAX_NESTING - 2, f"nested more than {MAX_NESTING} levels")],
    ),
    "int_5000_digits.yaml": (
        theme(rule(extra="    noodzaak: " + "9" * 5000 + "\n")),
        [(NOODZAAK_LINE, "number too long")],
    ),
    "hex_5000_digits.yaml": (
        theme(rule(extra="    noodzaak: 0x" + "f" * 5000 + "\n")),
        [(NOODZAAK_LINE, "number too long")],
    ),
    "latin1.yaml": (
        theme(rule()).replace("nl: Test.", "nl: Zoë.").encode("latin-1"),
        [(11, "not valid UTF-8")],
    ),
    "utf16_bom.yaml": (theme(rule()).encode("utf-16"), [(1, "UTF-16")]),
    "utf16_no_bom.yaml": (theme(rule()).encode("utf-16-le"), [(1, "control character U+0000")]),
    "utf32_bom.yaml": (theme(rule()).encode("utf-32"), [(1, "UTF-32")]),
    "definition_chain.yaml": (
        theme(rule(als="keten_0"), definities=definition_chain(CHAIN)),
        [(3, f"more than {MAX_REFERENCE_DEPTH} levels deep through definitions")],
    ),
    "definition_cycle.yaml": (
        theme(rule(als="keten_0"), definities=definition_chain(CHAIN, cycle=True)),
        [(3 + CHAIN - 1, "cyclic definition references: keten_0 -> keten_1 -> ")],
    ),
    "exception_chain.yaml": (
        exception_chain(CHAIN),
        [(3, f"chain of exceptions longer than {MAX_EXCEPTION_DEPTH} rules: keten-0 -> ")],
    ),
    "exception_cycle.yaml": (
        exception_chain(CHAIN, cycle=True),
        [
            (
                line_of(exception_chain(CHAIN), f"id: keten-{CHAIN - 1}"),
                "cyclic exception references: keten-0 -> ",
            )
        ],
    ),
    "too_many_entries.yaml": (
        "thema: hostile\nregels:\n" + "  - {}\n" * (MAX_ENTRIES + 1),
        [(2, f"more than {MAX_ENTRIES} entries")],
    ),
    "too_many_problems.yaml": (
        theme(rule(extra="".join(f"    onbekend_{i}: 1\n" for i in range(5 * MAX_PROBLEMS)))),
        [(NOODZAAK_LINE, "unknown key 'onbekend_0'")],
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_hostile_file_is_refused(
    case: str, mode: str, base: Path, tmp_path: Path
) -> None:
    content, expected = GENERATED[case]
    problems = load(mode, case, write(content), base, tmp_path)
    assert_clean(problems, case, expected)
    assert len(problems) <= MAX_PROBLEMS + 1


def test_problems_stop_at_the_limit(base: Path, tmp_path: Path) -> None:
    content, _ = GENERATED["too_many_problems.yaml"]
    problems = load("api", "veel.yaml", write(content), base, tmp_path)
    assert len(problems) == MAX_PROBLEMS + 1
    assert f"stopped after {MAX_PROBLEMS} problems" in problems[-1]


def test_oversized_file_is_refused_unread(base: Path, tmp_path: Path) -> None:
    big = theme(rule()) + "# " + "x" * MAX_FILE_BYTES + "\n"
    for mode in MODES:
        problems = load(mode, "groot.yaml", write(big), base, tmp_path / mode)
        assert_clean(problems, "groot.yaml", [(0, f"larger than {MAX_FILE_BYTES:,} bytes")])


def test_nodes_in_a_file_are_capped(base: Path, tmp_path: Path) -> None:
    """Dense flow style (``[{}, {}, ...]``) costs PyYAML time and memory per node."""
    dense = "thema: veel\nregels: [" + ", ".join(["{}"] * MAX_NODES) + "]\n"
    problems = load("api", "dicht.yaml", write(dense), base, tmp_path)
    assert_clean(problems, "dicht.yaml", [(2, f"more than {MAX_NODES:,} keys, values and list")])


def test_rule_files_together_are_capped(base: Path, tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    shutil.copytree(base, folder)
    size = MAX_FILE_BYTES - 1000
    for i in range(MAX_TOTAL_BYTES // size + 1):
        (folder / "rules" / f"{i:02}.yaml").write_text("# " + "x" * size + "\n")
    problems = api_problems(folder)
    assert_clean(problems, ".yaml", [])
    assert any(f"more than {MAX_TOTAL_BYTES:,} bytes together" in p for p in problems)


def test_number_of_rule_files_is_capped(base: Path, tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    shutil.copytree(base, folder)
    for i in range(MAX_RULE_FILES):
        (folder / "rules" / f"{i:03}.yaml").write_text("thema: leeg\n")
    problems = api_problems(folder)
    assert_clean(problems, "rules", [(0, f"more than {MAX_RULE_FILES} rule files")])


def test_directory_named_like_a_rule_file(base: Path, tmp_path: Path) -> None:
    for mode in ("api", "cli", "whatif"):
        problems = load(mode, "map.yaml", lambda p: p.mkdir(), base, tmp_path / mode)
        assert_clean(problems, "map.yaml", [(0, "not a regular file")])
    (tmp_path / "map.yaml").mkdir()
    # the command line refuses a directory as --gemeente itself; the API says why
    assert "is a directory" in run("check", "--gemeente", str(tmp_path / "map.yaml")).stderr
    with pytest.raises(SpecError) as info:
        load_specs(base, gemeente=tmp_path / "map.yaml")
    assert_clean(info.value.problems, "map.yaml", [(0, "not a regular file")])


def test_whatif_listing_a_file_twice(base: Path, tmp_path: Path) -> None:
    (tmp_path / "extra.yaml").write_text(theme(rule()), encoding="utf-8")
    (tmp_path / "whatif.yaml").write_text(
        f"basis: {json.dumps(str(base))}\ntoevoegen: [extra.yaml, extra.yaml]\n", encoding="utf-8"
    )
    problems = api_problems(tmp_path)
    assert_clean(problems, "whatif.yaml", [(2, "toevoegen names 'extra.yaml' twice")])


def test_whatif_file_that_is_a_directory(base: Path, tmp_path: Path) -> None:
    (tmp_path / "whatif.yaml").mkdir()
    problems = api_problems(tmp_path)
    assert_clean(problems, "whatif.yaml", [(0, "not a regular file")])


def test_graph_walks_do_not_recurse() -> None:
    """Cycle search and chain lengths walk a 100,000-link chain without recursion."""
    n = 100_000
    chain = {f"n{i}": {f"n{i + 1}"} for i in range(n)} | {f"n{n}": set()}
    assert list(_back_edges(chain)) == []
    length = _bottom_up(chain, lambda node, done: 1 + max(map(done.get, chain[node]), default=0))
    assert length["n0"] == n + 1
    cycle = chain | {f"n{n}": {"n0"}}
    [(node, path)] = list(_back_edges(cycle))
    assert (node, path[0], path[-1], len(path)) == (f"n{n}", "n0", "n0", n + 2)


# -- what still loads ------------------------------------------------------------------------


def test_utf8_byte_order_mark_is_accepted(base: Path, tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    shutil.copytree(base, folder)
    (folder / "rules" / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + theme(rule()).encode())
    assert [r.id for r in load_rulebook(folder).specs.regels] == ["hostile-rule"]


def test_symlink_to_a_regular_file_is_followed(base: Path, tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    shutil.copytree(base, folder)
    target = tmp_path / "elders.yaml"
    target.write_text(theme(rule()), encoding="utf-8")
    try:
        (folder / "rules" / "link.yaml").symlink_to(target)
    except OSError:
        pytest.skip("no symlinks here")
    assert [r.id for r in load_rulebook(folder).specs.regels] == ["hostile-rule"]


def test_limits_hold_for_the_bundled_rules() -> None:
    """The limits leave the bundled rule set far inside them."""
    specs = load_rulebook().specs
    assert len(specs.regels) + len(specs.definities) < MAX_ENTRIES // 10
    assert sum(p.stat().st_size for p in (bundled_specs() / "rules").glob("*.yaml")) < (
        MAX_TOTAL_BYTES // 10
    )


# -- pipes, devices and bombs: in a subprocess, so a hang fails instead of blocking -------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")

PROBE = """
import json, sys
from click.testing import CliRunner
from pettenlogic import SpecError, load_rulebook
from pettenlogic.cli import main

def api(folder):
    try:
        load_rulebook(folder)
    except SpecError as exc:
        return [2, exc.problems]
    return [0, []]

def cli(*args):
    result = CliRunner().invoke(main, list(args))
    return [result.exit_code, [l.strip() for l in result.stderr.splitlines()[1:]]]

out = {}
for mode, how, *args in json.loads(sys.argv[1]):
    out[mode] = api(*args) if how == "api" else cli(*args)
print(json.dumps(out))
"""


def in_subprocess(calls: list[list[str]], timeout: float = 60) -> dict[str, list[object]]:
    """Run ``PROBE`` on ``calls``; a hang or a memory blow-up fails the test."""

    def limit_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(calls)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit_memory if sys.platform == "linux" else None,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, list[object]] = json.loads(done.stdout)
    return result


def four_ways(base: Path, tmp: Path, name: str, place: Place) -> list[list[str]]:
    """The four loads of a file called ``name``, as PROBE calls."""
    rules = tmp / "specs"
    shutil.copytree(base, rules)
    place(rules / "rules" / name)
    gemeente = tmp / "gemeente" / name
    gemeente.parent.mkdir()
    place(gemeente)
    whatif = tmp / "wat-als"
    whatif.mkdir()
    place(whatif / name)
    (whatif / "whatif.yaml").write_text(
        f"basis: {json.dumps(str(base))}\ntoevoegen: [{name}]\n", encoding="utf-8"
    )
    example = tmp / "flow.json"
    example.write_text(json.dumps(DESIGN_EXAMPLE), encoding="utf-8")
    return [
        ["api", "api", str(rules)],
        ["cli", "cli", "decide", "--rules", str(rules), str(example)],
        [
            "gemeente",
            "cli",
            "check",
            "--rules",
            str(base),
            "--gemeente",
            str(tmp / "gemeente" / name),
        ],
        ["whatif", "api", str(whatif)],
    ]


def assert_refused_four_ways(
    base: Path, tmp: Path, name: str, place: Place, expected: Expected
) -> None:
    outcome = in_subprocess(four_ways(base, tmp, name, place))
    for mode in MODES:
        code, problems = outcome[mode]
        assert code == 2, (mode, outcome[mode])
        assert isinstance(problems, list)
        assert_clean(problems, name, expected)


@needs_fifo
def test_named_pipe_is_refused(base: Path, tmp_path: Path) -> None:
    assert_refused_four_ways(
        base, tmp_path, "pijp.yaml", lambda p: os.mkfifo(p), [(0, "not a regular file")]
    )


@needs_fifo
def test_symlink_to_a_named_pipe_is_refused(base: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pijp"
    os.mkfifo(fifo)
    assert_refused_four_ways(
        base, tmp_path, "link.yaml", lambda p: p.symlink_to(fifo), [(0, "not a regular file")]
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_device_file_is_refused(base: Path, tmp_path: Path) -> None:
    assert_refused_four_ways(
        base,
        tmp_path,
        "nul.yaml",
        lambda p: p.symlink_to("/dev/zero"),
        [(0, "not a regular file")],
    )


@needs_fifo
def test_named_pipe_as_whatif_file_is_refused(base: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "whatif.yaml")
    outcome = in_subprocess([["whatif", "api", str(tmp_path)]])
    code, problems = outcome["whatif"]
    assert code == 2
    assert isinstance(problems, list)
    assert_clean(problems, "whatif.yaml", [(0, "not a regular file")])


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_alias_bomb_is_refused(base: Path, tmp_path: Path) -> None:
    text = "thema: hostile\n" + BOMB + "regels:\n" + rule(extra="    noodzaak: *i\n")
    assert len(text.encode()) < 1000
    assert_refused_four_ways(base, tmp_path, "bom.yaml", write(text), [(2, "anchors and aliases")])


def test_alias_bomb_in_whatif_file_is_refused(tmp_path: Path) -> None:
    nested = "".join(f"  {line}\n" for line in BOMB.splitlines())
    (tmp_path / "whatif.yaml").write_text(
        "beschrijving:\n" + nested + "weglaten: *i\n", encoding="utf-8"
    )
    outcome = in_subprocess([["whatif", "api", str(tmp_path)]])
    code, problems = outcome["whatif"]
    assert code == 2
    assert isinstance(problems, list)
    assert_clean(problems, "whatif.yaml", [(2, "anchors and aliases")])
