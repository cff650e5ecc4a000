"""Load a ``gemeente.yaml`` into a typed :class:`~.inrichting.Gemeente`, fail closed.

Reading uses the hardened YAML of the rule files (:mod:`pettenlogic.rules.yamlsrc`:
bounded size, no tags, anchors or aliases); every problem is ``file:line: message``
with a did-you-mean where a close value exists. A name without a path
(``voorbeeld-compliant``) resolves to a bundled example in ``specs/gemeenten/``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

from ..model.convert import suggest
from ..model.vocabulary import TAAKGROEP, Taak, Taakgroep
from ..rules.loader import LokaalBeleid, SpecError, bundled_specs, load_specs
from ..rules.spec import Specs
from ..rules.yamlsrc import (
    Located,
    YamlError,
    echo,
    parse_yaml,
    printable,
    read_source,
    unknown_keys,
)
from .format import MAX_ITEMS, MAX_TEXT, velden
from .inrichting import Gemeente, Inrichting

#: most problems reported for one file
MAX_PROBLEMS = 100
#: the key that makes a YAML file an inrichting (a file of lokaal rules has none)
MARKER = "gemeente"


class GemeenteError(SpecError):
    """The gemeente file is invalid; ``problems`` are ``file:line: message`` strings."""


class _Stop(Exception):
    pass


def bundled_gemeenten() -> dict[str, Path]:
    """The example gemeenten shipped in ``specs/gemeenten/``, by name."""
    folder = bundled_specs() / "gemeenten"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def resolve(name: str | Path) -> tuple[Path, str]:
    """(path, shown name) of a gemeente file: a path, or a bundled example's name."""
    text = str(name)
    path = Path(text)
    if path.exists() or path.is_symlink() or "/" in text or text.endswith((".yaml", ".yml")):
        return path, text
    bundled = bundled_gemeenten()
    if text in bundled:
        return bundled[text], f"specs/gemeenten/{text}.yaml"
    raise GemeenteError(
        [
            f"{printable(text)}:0: no such file and no bundled gemeente by that name"
            f"{suggest(text, list(bundled))}; bundled: {', '.join(bundled) or 'none'}"
        ]
    )


def is_inrichting(data: Any) -> bool:
    """Whether parsed YAML is an inrichting (it names its gemeente) rather than rules."""
    return isinstance(data, Located) and MARKER in data


def read_gemeente(name: str | Path) -> tuple[Any, bytes, str]:
    """Parse the file (hardened YAML); (data, bytes, shown name)."""
    path, shown = resolve(name)
    try:
        source = read_source(path, shown)
        return parse_yaml(source, shown), source, shown
    except YamlError as exc:
        raise GemeenteError([str(exc)]) from None


def load_gemeente(name: str | Path) -> Gemeente:
    """Load and validate a gemeente file; raise :class:`GemeenteError`."""
    data, source, shown = read_gemeente(name)
    return from_data(data, shown, source)


def gemeente_specs(gemeente: Gemeente, rules: str | Path | None = None) -> Specs:
    """The rule set (bundled, or ``rules``) with the gemeente's local policy added."""
    beleid = gemeente.inrichting.beleid
    extra = () if beleid is None else (LokaalBeleid(gemeente.bestand, beleid, gemeente.bron),)
    return load_specs(rules, beleid=extra)


def load_with_rules(
    name: str | Path, rules: str | Path | None = None
) -> tuple[Gemeente | None, Specs]:
    """(inrichting, rule set) for ``--gemeente``: an inrichting file gives both; a file
    of lokaal rules only (the earlier format) gives no inrichting and its rules."""
    data, source, shown = read_gemeente(name)
    if not is_inrichting(data):
        path, _shown = resolve(name)
        return None, load_specs(rules, gemeente=path)
    gemeente = from_data(data, shown, source)
    return gemeente, gemeente_specs(gemeente, rules)


def from_data(data: Any, shown: str, source: bytes = b"") -> Gemeente:
    """Validate parsed YAML into a :class:`Gemeente` (the rules in ``beleid`` are read
    later, by the rule loader, with the same file and lines)."""
    reader = _Reader(shown)
    if not isinstance(data, Located):
        raise GemeenteError([f"{shown}:1: a gemeente file is a mapping with a 'gemeente' key"])
    try:
        made = reader.obj(Inrichting, data, "", 1)
        if not reader.problems:
            reader.cross_check(made)
    except _Stop:
        reader.problems.append(f"{shown}:0: stopped after {MAX_PROBLEMS} problems")
    if reader.problems:
        raise GemeenteError(reader.problems)
    return Gemeente(made, shown, reader.lines, source)


class _Reader:
    """Converts located YAML to the model, one class at a time, collecting problems."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems: list[str] = []
        self.lines: dict[str, int] = {}

    def error(self, line: int, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Stop
        self.problems.append(printable(f"{self.shown}:{line}: {message}"))

    def obj(self, cls: type, raw: Any, path: str, line: int) -> Any:
        what = path or "gemeente"
        if not isinstance(raw, Located):
            self.error(line, f"{what}: expected a mapping, got {_kind(raw)}")
            return None
        fields = velden(cls)
        for at, message in unknown_keys(raw, {v.naam for v in fields}, what):
            self.error(at, message)
        values: dict[str, Any] = {}
        for v in fields:
            sub = f"{path}.{v.naam}" if path else v.naam
            if v.naam not in raw:
                if v.required:
                    self.error(raw.line, f"{what}: missing required key '{v.naam}'")
                continue
            at = raw.line_of(v.naam)
            self.lines[sub] = at
            value = raw[v.naam]
            if value is None and v.optional:
                values[v.naam] = None
            elif v.lijst:
                values[v.naam] = self.lijst(v, value, sub, at)
            else:
                values[v.naam] = self.leaf(v, value, sub, at)
        if any(v.required and values.get(v.naam) is None for v in fields):
            return None
        return cls(**{k: x for k, x in values.items() if x is not None or _nullable(cls, k)})

    def lijst(self, v: Any, value: Any, path: str, line: int) -> tuple[Any, ...] | None:
        if not isinstance(value, list):
            self.error(line, f"{path}: expected a list, got {_kind(value)}")
            return None
        if len(value) > MAX_ITEMS:
            self.error(line, f"{path}: more than {MAX_ITEMS} items")
            return None
        out = []
        for i, item in enumerate(value):
            sub = f"{path}[{i}]"
            at = item.line if isinstance(item, Located) else line
            self.lines[sub] = at
            made = self.leaf(v, item, sub, at)
            if made is None:
                continue
            if v.soort in ("enum", "str") and made in out:
                self.error(at, f"{path}: {echo(getattr(made, 'value', made))} listed twice")
                continue
            out.append(made)
        return tuple(out)

    def leaf(self, v: Any, value: Any, path: str, line: int) -> Any:
        if v.soort == "obj":
            return self.obj(v.cls, value, path, line)
        if v.soort == "any":
            if not isinstance(value, Located):
                self.error(line, f"{path}: expected a mapping, got {_kind(value)}")
                return None
            return value
        if v.soort == "bool":
            if not isinstance(value, bool):
                self.error(line, f"{path}: expected true or false, got {echo(value)}")
                return None
            return value
        if not isinstance(value, str):
            self.error(line, f"{path}: expected text, got {echo(value)}")
            return None
        if v.soort == "str":
            if len(value) > MAX_TEXT:
                self.error(line, f"{path}: text longer than {MAX_TEXT} characters")
                return None
            return value
        enum: type[Enum] = v.enum
        allowed = [m.value for m in enum]
        if value not in allowed:
            self.error(
                line,
                f"{path}: unknown value {echo(value)}{suggest(value, allowed)}; "
                f"allowed: {', '.join(allowed)}",
            )
            return None
        return enum(value)

    # -- checks across keys -------------------------------------------------------------
    def cross_check(self, inr: Inrichting) -> None:
        for i, t in enumerate(inr.taken.hulpverlening):
            if TAAKGROEP[t] is not Taakgroep.HULPVERLENING or t is Taak.REGIE_HULPVERLENING:
                self.error(
                    self.lines.get(f"taken.hulpverlening[{i}]", 1),
                    f"taken.hulpverlening: {t.value!r} is not a kind of hulpverlening "
                    "(regie goes under taken.regie)",
                )
        names: dict[str, int] = {}
        for i, d in enumerate(inr.dossiers):
            at = self.lines.get(f"dossiers[{i}]", 1)
            if d.naam in names:
                self.error(at, f"dossiers: duplicate name {echo(d.naam)}")
            names[d.naam] = i
            if not d.taken:
                self.error(at, f"dossiers[{i}].taken: a dossier holds the data of some task")
        for i, recht in enumerate(inr.autorisatie.lezen):
            for j, naam in enumerate(recht.dossiers):
                if naam not in names:
                    self.error(
                        self.lines.get(f"autorisatie.lezen[{i}].dossiers[{j}]", 1),
                        f"autorisatie.lezen[{i}].dossiers: unknown dossier {echo(naam)}"
                        f"{suggest(naam, list(names))}; known: {', '.join(names) or 'none'}",
                    )
        for i, m in enumerate(inr.mandaten):
            if TAAKGROEP[m.taak] is not Taakgroep.COLLEGE:
                self.error(
                    self.lines.get(f"mandaten[{i}].taak", 1),
                    f"mandaten[{i}].taak: {m.taak.value!r} is not a task of the college",
                )


def _nullable(cls: type, name: str) -> bool:
    return any(v.naam == name and v.optional for v in velden(cls))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Located):
        return "a mapping"
    return {list: "a list", str: "text", bool: "a boolean"}.get(type(value), type(value).__name__)
