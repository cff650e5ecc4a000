"""Load and statically validate a spec folder into typed :class:`Specs`.

Every problem is reported as ``file:line: message`` and loading fails as a whole
(fail closed): a rule set that does not validate is never used to decide.

Spec folder layout::

    handreiking.yaml      sections of the handreiking (id, titel, pagina)
    artikelen.yaml        the article inventory: which articles, leden and onderdelen
                          exist in which version of each regeling
    codes.yaml            texts of duty (plicht) and condition (voorwaarde) codes,
                          with citations for duties
    rules/*.yaml          one file per theme: verzamelingen, definities, regels,
                          aanvullingen, toekenningen
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import attrs

from ..model.convert import suggest
from ..model.fields import flow_fields
from ..model.vocabulary import (
    Categorie,
    Effect,
    Grondslag,
    Informeren,
    Laag,
    Oordeel,
    Plicht,
    Regeling,
    Registratie,
    Relatie,
    Taak,
    Toestemming,
    ToestemmingDoor,
    Verwerkingsverantwoordelijke,
    Voorwaarde,
    Werkgever,
    Wet,
)
from .artikelen import CitationError, Inventaris, datum, read_artikelen
from .expr import TRUE, And, Expr, ExprError, Not, Or, Ref, Scope, parse_condition, references
from .spec import (
    Aanvulling,
    Bron,
    CodeTekst,
    Definitie,
    Gevolg,
    Grens,
    Regel,
    Sectie,
    Specs,
    Tekst,
    Toekenning,
    Waar,
)
from .yamlsrc import (
    Located,
    YamlError,
    echo,
    load_yaml,
    parse_yaml,
    printable,
    read_source,
    unknown_keys,
)

E = TypeVar("E", bound=Enum)

#: enums a value set may hold, by the name used in ``soort``
SET_KINDS: dict[str, type[Enum]] = {
    e.__name__.lower(): e
    for e in (
        Categorie,
        Taak,
        Wet,
        Registratie,
        Werkgever,
        Toestemming,
        Informeren,
        ToestemmingDoor,
        Relatie,
    )
}
REQUIRED_DEFINITIONS = ("beroepsgeheim",)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.:_-]*$")

# Limits on what one rule set may hold. Rule files can come from a gemeente or a
# what-if folder, so none may make loading or deciding hang, crash or eat memory.
# (MAX_FILE_BYTES, MAX_NESTING and MAX_NUMBER_CHARS in yamlsrc bound each file.)

#: most rule files in one rule set: rules/*.yaml, what-if additions and a gemeente
#: file together (the bundled set has 9)
MAX_RULE_FILES = 100
#: most bytes of rule files in one rule set, all read before any is parsed (bundled: 78 KB)
MAX_TOTAL_BYTES = 4 * 1024 * 1024
#: most entries (definities, regels, aanvullingen and toekenningen together; bundled:
#: 82); the time to decide grows with the square of the number of rules
MAX_ENTRIES = 1000
#: deepest a condition may nest with the definitions it names written out in place,
#: each and/or/not and each reference counting one level (bundled: 9); the evaluator
#: and the Z3 compiler follow definitions recursively
MAX_REFERENCE_DEPTH = 100
#: longest chain of exceptions, in rules (a rule that is an exception to a rule that is
#: an exception to ...; bundled: 2); both interpreters order rules along these chains
MAX_EXCEPTION_DEPTH = 32
#: most problems reported for one rule set; loading stops at the next one
MAX_PROBLEMS = 100


class SpecError(ValueError):
    """The spec folder is invalid; ``problems`` are ``file:line: message`` strings."""

    def __init__(self, problems: list[str]) -> None:
        # one printable line each, whatever a file managed to get into a message
        self.problems = [printable(p) for p in problems]
        super().__init__("invalid specs:\n  " + "\n  ".join(self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its problems, not from the message (a pool sends errors pickled)
        return (type(self), (self.problems,))


class _TooMany(Exception):
    """Raised when ``MAX_PROBLEMS`` problems have been collected."""


class _Problems(list[str]):
    """The problems found so far; adding one past ``MAX_PROBLEMS`` stops loading."""

    def append(self, problem: str) -> None:
        if len(self) >= MAX_PROBLEMS:
            raise _TooMany
        super().append(problem)


def bundled_specs() -> Path:
    """The spec folder shipped in the package (or the repo's, in a source checkout)."""
    packaged = resources.files("pettenlogic") / "specs"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "specs"


class _Ctx:
    """Collects problems while validating one file."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.append(f"{self.file}:{line}: {message}")

    def where(self, line: int) -> Waar:
        return Waar(self.file, line)


class _Missing(Exception):
    pass


def _kind_name(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _get(
    ctx: _Ctx,
    obj: Located,
    key: str,
    kind: type | tuple[type, ...],
    what: str,
    required: bool = True,
    default: Any = None,
) -> Any:
    if key not in obj:
        if required:
            ctx.error(obj.line, f"{what}: missing required key '{key}'")
            raise _Missing
        return default
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        ctx.error(obj.line_of(key), f"{what}: key '{key}' must be {names}, got {echo(value)}")
        raise _Missing
    return value


def _enum(ctx: _Ctx, enum: type[E], value: Any, line: int, what: str) -> E:
    allowed = [m.value for m in enum]
    if value not in allowed:
        ctx.error(
            line,
            f"{what}: unknown value {echo(value)}{suggest(value, allowed)}; "
            f"allowed: {', '.join(allowed)}",
        )
        raise _Missing
    return enum(value)


def _label(kind: str, item: Any, key: str = "id") -> str:
    """``regel 'x'`` when the item names itself, else just the kind (for early messages)."""
    name = item.get(key) if isinstance(item, dict) else None
    return f"{kind} {echo(name)}" if isinstance(name, str) else kind


def _enum_key(ctx: _Ctx, enum: type[E], obj: Located, key: str, what: str) -> E:
    """A required key whose value must be one of ``enum``'s values."""
    return _enum(ctx, enum, _get(ctx, obj, key, str, what), obj.line_of(key), what)


def _keys(
    ctx: _Ctx, obj: Any, allowed: set[str] | frozenset[str], what: str, line: int = 0
) -> Located:
    if not isinstance(obj, Located):
        ctx.error(line, f"{what}: expected a mapping, got {_kind_name(obj)}")
        raise _Missing
    for at, message in unknown_keys(obj, allowed, what):
        ctx.error(at, message)
    return obj


def _tekst(ctx: _Ctx, obj: Located, key: str, what: str) -> Tekst:
    raw = _get(ctx, obj, key, dict, what)
    _keys(ctx, raw, {"nl", "en"}, f"{what}.{key}", obj.line_of(key))
    nl = _get(ctx, raw, "nl", str, f"{what}.{key}")
    en = _get(ctx, raw, "en", str, f"{what}.{key}")
    return Tekst(" ".join(nl.split()), " ".join(en.split()))


BW_ARTIKEL = re.compile(r"^[17]:\d+[a-z]?$")


BRON_KEYS = frozenset(
    {"regeling", "artikel", "lid", "onderdeel", "sub", "aanhef", "versie", "titel"}
)
#: keys that only a law citation can carry
WET_KEYS = ("lid", "onderdeel", "sub", "aanhef", "versie")


def _bron(
    ctx: _Ctx,
    raw: Any,
    line: int,
    what: str,
    secties: dict[str, Sectie],
    artikelen: Inventaris | None,
    op: str | None = None,
) -> Bron:
    obj = _keys(ctx, raw, BRON_KEYS, what, line)
    regeling = _enum_key(ctx, Regeling, obj, "regeling", what)
    artikel_raw = _get(ctx, obj, "artikel", (str, int, float), what)
    if isinstance(artikel_raw, float):
        # YAML reads 5.10 as the number 5.1: the article would silently change
        ctx.error(
            obj.line_of("artikel"),
            f'{what}: write article numbers as quoted strings (artikel: "{artikel_raw}" '
            "was read as a number, which drops trailing zeros)",
        )
        raise _Missing
    artikel = str(artikel_raw)
    titel = _get(ctx, obj, "titel", str, what, required=False)
    if regeling is Regeling.HANDREIKING:
        for key in WET_KEYS:
            if key in obj:
                ctx.error(
                    obj.line_of(key),
                    f"{what}: a handreiking section has no '{key}' (only law citations do)",
                )
        if artikel not in secties:
            ctx.error(
                obj.line_of("artikel"),
                f"{what}: unknown handreiking section {echo(artikel)}"
                f"{suggest(artikel, list(secties))}",
            )
            raise _Missing
        return Bron(
            regeling, artikel, None, secties[artikel].pagina, titel or secties[artikel].titel
        )
    if regeling is Regeling.BW and not BW_ARTIKEL.match(artikel):
        ctx.error(
            obj.line_of("artikel"),
            f"{what}: BW articles are written like '1:240' or '7:457', got {echo(artikel)}",
        )
        raise _Missing
    return _wetsbron(ctx, obj, what, regeling, artikel, titel, artikelen, op)


def _deel(ctx: _Ctx, obj: Located, key: str, what: str) -> str | None:
    """A lid, onderdeel or subonderdeel as text (YAML may read ``1`` as a number)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        ctx.error(obj.line_of(key), f"{what}: '{key}' must be a number or letter, got {value!r}")
        raise _Missing
    text = str(value).strip()
    return text.removesuffix("°") if key == "sub" else text


def _wetsbron(
    ctx: _Ctx,
    obj: Located,
    what: str,
    regeling: Regeling,
    artikel: str,
    titel: str | None,
    artikelen: Inventaris | None,
    op: str | None = None,
) -> Bron:
    """A law citation, checked against the article inventory (its version filled in;
    by default the version in force on ``op``, the date the citing rule starts)."""
    lid = _deel(ctx, obj, "lid", what)
    onderdeel = _deel(ctx, obj, "onderdeel", what)
    sub = _deel(ctx, obj, "sub", what)
    aanhef = _get(ctx, obj, "aanhef", bool, what, required=False, default=False)
    versie = None
    if "versie" in obj:
        versie = datum(obj["versie"])
        if versie is None:
            ctx.error(
                obj.line_of("versie"),
                f"{what}: 'versie' must be a date YYYY-MM-DD, got {obj['versie']!r}",
            )
            raise _Missing
    if artikelen is None:  # the inventory itself is broken; that has been reported
        return Bron(regeling, artikel, lid, None, titel, onderdeel, sub, aanhef, versie)
    try:
        found = artikelen.check(regeling, artikel, lid, onderdeel, sub, aanhef, versie, op)
    except CitationError as exc:
        ctx.error(obj.line_of(exc.key), f"{what}: {exc}")
        raise _Missing from None
    return Bron(
        regeling, artikel, lid, None, titel, onderdeel, sub, aanhef, found.versie, found.bwb
    )


def _bronnen(
    ctx: _Ctx,
    obj: Located,
    what: str,
    secties: dict[str, Sectie],
    sectie: str | None,
    artikelen: Inventaris | None,
    need_law: bool = False,
    op: str | None = None,
) -> tuple[Bron, ...]:
    raw = _get(ctx, obj, "bronnen", list, what, required=need_law, default=[])
    out: list[Bron] = []
    broken = False
    for item in raw:
        try:
            out.append(
                _bron(
                    ctx,
                    item,
                    getattr(item, "line", obj.line_of("bronnen")),
                    what,
                    secties,
                    artikelen,
                    op,
                )
            )
        except _Missing:
            broken = True
    # (a citation that failed to load has been reported already; do not pile on)
    if need_law and not broken and not any(b.regeling is not Regeling.HANDREIKING for b in out):
        ctx.error(obj.line_of("bronnen"), f"{what}: cites no law article (every rule needs one)")
    handreiking = (
        Bron(Regeling.HANDREIKING, sectie, None, secties[sectie].pagina, secties[sectie].titel)
        if sectie is not None and sectie in secties
        else None
    )
    cited = {b.artikel for b in out if b.regeling is Regeling.HANDREIKING}
    if handreiking and handreiking.artikel not in cited:
        out.append(handreiking)
    return tuple(out)


def _geldigheid(ctx: _Ctx, obj: Located, what: str) -> tuple[str | None, str | None]:
    """``geldig_van`` / ``geldig_tot``: the dates between which the encoded version holds."""
    found: list[str | None] = []
    for key in ("geldig_van", "geldig_tot"):
        if key not in obj:
            found.append(None)
            continue
        value = datum(obj[key])
        if value is None:
            ctx.error(
                obj.line_of(key),
                f"{what}: '{key}' must be a date YYYY-MM-DD, got {echo(obj[key])}",
            )
            raise _Missing
        found.append(value)
    van, tot = found
    if van is not None and tot is not None and tot <= van:
        ctx.error(
            obj.line_of("geldig_tot"), f"{what}: geldig_tot {tot} is not after geldig_van {van}"
        )
        raise _Missing
    return van, tot


def _alleen_handreiking(
    ctx: _Ctx, obj: Located, what: str, laag: Laag, bronnen: tuple[Bron, ...]
) -> bool:
    """``alleen_handreiking: true``: a richtlijn rule that knowingly cites no law article."""
    flag = _get(ctx, obj, "alleen_handreiking", bool, what, required=False, default=False)
    if not flag:
        return False
    if laag is not Laag.RICHTLIJN:
        ctx.error(
            obj.line_of("alleen_handreiking"),
            f"{what}: only a rule with laag: richtlijn may rest on the handreiking alone, "
            f"got laag {laag.value!r}",
        )
    if any(b.regeling is not Regeling.HANDREIKING for b in bronnen):
        ctx.error(
            obj.line_of("alleen_handreiking"),
            f"{what}: alleen_handreiking is true, yet the rule cites a law article",
        )
    return True


class _Loader:
    def __init__(self, root: Path, rules_dir: Path) -> None:
        self.root = root
        self.rules_dir = rules_dir
        self.problems: list[str] = _Problems()
        self.secties: dict[str, Sectie] = {}
        self.artikelen: Inventaris | None = None
        self.plichten: dict[str, CodeTekst] = {}
        self.voorwaarden: dict[str, CodeTekst] = {}
        self.sets: dict[str, tuple[str, frozenset[str]]] = {}
        self.def_names: set[str] = set()
        self.raw_files: list[tuple[Path, str, Any]] = []
        self.hash = hashlib.sha256()

    def shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def read(self, path: Path, source: bytes | None = None) -> Any:
        """Parse one file (read now unless its bytes are given) and add it to the digest."""
        shown = self.shown(path)
        try:
            source = read_source(path, shown) if source is None else source
            data = parse_yaml(source, shown)
        except YamlError as exc:
            self.problems.append(str(exc))
            return None
        # the digest names files by folder/name only, so a copy elsewhere hashes the same
        key = f"{path.parent.name}/{path.name}".encode()
        self.hash.update(key + b"\0" + source + b"\0")
        if data is None:
            self.problems.append(f"{shown}:1: the file is empty")
        return data

    def read_rule_files(self, paths: list[Path]) -> list[tuple[Path, bytes]]:
        """The bytes of every rule file, all read before any is parsed (parsing is the
        slow part), so the limits on their number and size hold early."""
        if len(paths) > MAX_RULE_FILES:
            self.problems.append(
                f"{self.shown(self.rules_dir)}:0: more than {MAX_RULE_FILES} rule files "
                f"({len(paths)})"
            )
            return []
        out: list[tuple[Path, bytes]] = []
        total = 0
        for path in paths:
            try:
                source = read_source(path, self.shown(path))
            except YamlError as exc:
                self.problems.append(str(exc))
                continue
            total += len(source)
            if total > MAX_TOTAL_BYTES:
                self.problems.append(
                    f"{self.shown(path)}:0: rule files are more than "
                    f"{MAX_TOTAL_BYTES:,} bytes together"
                )
                return []
            out.append((path, source))
        return out

    # -- support files -------------------------------------------------------
    def load_secties(self, path: Path) -> None:
        data = self.read(path)
        if data is None:
            return
        ctx = _Ctx(self.shown(path), self.problems)
        try:
            top = _keys(ctx, data, {"secties"}, "handreiking", 1)
            for item in _get(ctx, top, "secties", list, "handreiking"):
                try:
                    obj = _keys(ctx, item, {"id", "titel", "pagina", "hoofdstuk"}, "sectie")
                    sid = _get(ctx, obj, "id", str, "sectie")
                    if sid in self.secties:
                        ctx.error(obj.line, f"duplicate section id '{sid}'")
                    self.secties[sid] = Sectie(
                        sid,
                        _get(ctx, obj, "titel", str, "sectie"),
                        _get(ctx, obj, "pagina", int, "sectie"),
                        _get(ctx, obj, "hoofdstuk", int, "sectie"),
                    )
                except _Missing:
                    pass
        except _Missing:
            pass

    def load_artikelen(self, path: Path) -> None:
        """The article inventory that every law citation is checked against."""
        data = self.read(path)
        if data is not None:
            self.artikelen = read_artikelen(data, self.shown(path), self.problems)

    def load_codes(self, path: Path) -> None:
        data = self.read(path)
        if data is None:
            return
        ctx = _Ctx(self.shown(path), self.problems)
        for key, enum, target in (
            ("plichten", Plicht, self.plichten),
            ("voorwaarden", Voorwaarde, self.voorwaarden),
        ):
            try:
                top = _keys(ctx, data, {"plichten", "voorwaarden"}, "codes", 1)
                table = _get(ctx, top, key, dict, "codes")
                allowed = {"nl", "en", "bronnen"} if key == "plichten" else {"nl", "en"}
                for code in table:
                    try:
                        _enum(ctx, enum, code, table.line_of(code), f"codes.{key}")
                        tekst = _keys(
                            ctx, table[code], allowed, f"{key}.{code}", table.line_of(code)
                        )
                        target[code] = CodeTekst(
                            code,
                            Tekst(
                                _get(ctx, tekst, "nl", str, code), _get(ctx, tekst, "en", str, code)
                            ),
                            _bronnen(
                                ctx, tekst, f"plicht '{code}'", self.secties, None, self.artikelen
                            ),
                        )
                    except _Missing:
                        pass
                for member in enum:
                    if member.value not in table:
                        ctx.error(table.line, f"codes.{key}: no text for code '{member.value}'")
            except _Missing:
                pass

    # -- theme files ---------------------------------------------------------
    TOP_KEYS: ClassVar[frozenset[str]] = frozenset(
        {"thema", "verzamelingen", "definities", "regels", "aanvullingen", "toekenningen"}
    )

    def collect_names(self) -> None:
        """First pass: value sets and definition names, so files may refer to each other."""
        for _path, shown, data in self.raw_files:
            ctx = _Ctx(shown, self.problems)
            try:
                top = _keys(ctx, data, self.TOP_KEYS, "theme file", 1)
            except _Missing:
                continue
            sets = top.get("verzamelingen")
            if isinstance(sets, Located):
                for name, spec in sets.items():
                    self.load_set(ctx, sets, name, spec)
            elif sets is not None:
                ctx.error(top.line_of("verzamelingen"), "'verzamelingen' must be a mapping")
            defs = top.get("definities") or []
            for item in defs if isinstance(defs, list) else []:
                if isinstance(item, Located) and isinstance(item.get("naam"), str):
                    name = item["naam"]
                    if name in self.def_names or name in self.sets:
                        ctx.error(item.line, f"duplicate definition name {echo(name)}")
                    self.def_names.add(name)

    def load_set(self, ctx: _Ctx, table: Located, name: str, spec: Any) -> None:
        what = f"verzameling {echo(name)}"
        line = table.line_of(name)
        try:
            obj = _keys(ctx, spec, {"soort", "waarden", "uitleg"}, what, line)
            soort = _get(ctx, obj, "soort", str, what)
            if soort not in SET_KINDS:
                ctx.error(
                    obj.line_of("soort"),
                    f"{what}: unknown soort {echo(soort)}; allowed: {', '.join(SET_KINDS)}",
                )
                return
            enum = SET_KINDS[soort]
            values = _get(ctx, obj, "waarden", list, what)
            checked = frozenset(
                _enum(ctx, enum, v, obj.line_of("waarden"), what).value for v in values
            )
            if name in self.sets:
                ctx.error(line, f"duplicate value set {echo(name)}")
            if name in flow_fields():
                ctx.error(line, f"value set {echo(name)} clashes with a field name")
            self.sets[name] = (soort, checked)
        except _Missing:
            pass

    def scope(self) -> Scope:
        return Scope(frozenset(self.def_names), self.sets)

    def condition(
        self, ctx: _Ctx, obj: Located, key: str, what: str, required: bool = True
    ) -> Expr:
        text = _get(ctx, obj, key, str, what, required=required)
        if text is None:
            return TRUE
        try:
            return parse_condition(text, self.scope())
        except ExprError as exc:
            col = f" (column {exc.column + 1})" if exc.column is not None else ""
            ctx.error(obj.line_of(key), f"{what}: condition '{key}'{col}: {exc}")
            raise _Missing from None

    def sectie(self, ctx: _Ctx, obj: Located, what: str) -> str:
        sid = _get(ctx, obj, "sectie", str, what)
        if sid not in self.secties:
            ctx.error(
                obj.line_of("sectie"),
                f"{what}: unknown handreiking section {echo(sid)}"
                f"{suggest(sid, list(self.secties))}",
            )
            raise _Missing
        return sid

    def gevolgen(
        self, ctx: _Ctx, obj: Located, key: str, enum: type[Enum], what: str
    ) -> tuple[Gevolg, ...]:
        raw = _get(ctx, obj, key, list, what, required=False, default=[])
        out: list[Gevolg] = []
        for item in raw:
            try:
                if isinstance(item, str):
                    out.append(Gevolg(_enum(ctx, enum, item, obj.line_of(key), what).value))
                    continue
                sub = _keys(ctx, item, {"code", "als"}, f"{what}.{key}", obj.line_of(key))
                code = _enum_key(ctx, enum, sub, "code", what).value
                out.append(Gevolg(code, self.condition(ctx, sub, "als", what, required=False)))
            except _Missing:
                pass
        return tuple(out)

    def load_definitie(self, ctx: _Ctx, item: Any) -> Definitie | None:
        try:
            keys = {"naam", "als", "uitleg", "bronnen", "sectie"}
            obj = _keys(ctx, item, keys, _label("definitie", item, "naam"))
            name = _get(ctx, obj, "naam", str, "definitie")
            what = f"definitie {echo(name)}"
            sectie = self.sectie(ctx, obj, what)
            return Definitie(
                name,
                self.condition(ctx, obj, "als", what),
                _tekst(ctx, obj, "uitleg", what),
                _bronnen(ctx, obj, what, self.secties, sectie, self.artikelen),
                sectie,
                ctx.where(obj.line),
            )
        except _Missing:
            return None

    RULE_KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "titel",
            "laag",
            "effect",
            "als",
            "uitleg",
            "bronnen",
            "sectie",
            "uitzondering_op",
            "noodzaak",
            "plichten",
            "voorwaarden",
            "grenzen",
            "dekt_bijzondere_gegevens",
            "alleen_handreiking",
            "geldig_van",
            "geldig_tot",
        }
    )

    def regel_bronnen(
        self,
        ctx: _Ctx,
        obj: Located,
        what: str,
        sectie: str,
        laag: Laag,
        geldig: tuple[str | None, str | None],
    ) -> tuple[tuple[Bron, ...], bool]:
        """A rule's citations: a law article is required unless ``alleen_handreiking``.

        A citation without ``versie`` encodes the version in force when the rule starts;
        none may encode a version that only takes effect after the rule has ended.
        """
        flag = obj.get("alleen_handreiking") is True
        van, tot = geldig
        bronnen = _bronnen(
            ctx, obj, what, self.secties, sectie, self.artikelen, need_law=not flag, op=van
        )
        for b in bronnen:
            if tot is not None and b.versie is not None and b.versie >= tot:
                ctx.error(
                    obj.line_of("bronnen"),
                    f"{what}: cites {b.label()} in the version of {b.versie}, "
                    f"which is not in force before the rule ends (geldig_tot {tot})",
                )
        return bronnen, _alleen_handreiking(ctx, obj, what, laag, bronnen)

    def load_regel(self, ctx: _Ctx, item: Any) -> Regel | None:
        try:
            obj = _keys(ctx, item, self.RULE_KEYS, _label("regel", item))
            rid = _get(ctx, obj, "id", str, "regel")
            what = f"regel {echo(rid)}"
            if not ID_PATTERN.match(rid):
                ctx.error(
                    obj.line_of("id"), f"{what}: id must be lower case letters, digits and . : _ -"
                )
            sectie = self.sectie(ctx, obj, what)
            exc = _get(ctx, obj, "uitzondering_op", list, what, required=False, default=[])
            geldig = _geldigheid(ctx, obj, what)
            grenzen = []
            for g in _get(ctx, obj, "grenzen", list, what, required=False, default=[]):
                sub = _keys(
                    ctx,
                    g,
                    {"als", "uitleg", "geldig_van", "geldig_tot"},
                    f"{what}.grenzen",
                    obj.line_of("grenzen"),
                )
                grenzen.append(
                    Grens(
                        self.condition(ctx, sub, "als", what),
                        _tekst(ctx, sub, "uitleg", what),
                        *_geldigheid(ctx, sub, f"{what}.grenzen"),
                    )
                )
            titel = _tekst(ctx, obj, "titel", what)
            laag = _enum_key(ctx, Laag, obj, "laag", what)
            effect = _enum_key(ctx, Effect, obj, "effect", what)
            als = self.condition(ctx, obj, "als", what)
            uitleg = _tekst(ctx, obj, "uitleg", what)
            bronnen, alleen_handreiking = self.regel_bronnen(ctx, obj, what, sectie, laag, geldig)
            return Regel(
                id=rid,
                titel=titel,
                laag=laag,
                effect=effect,
                als=als,
                uitleg=uitleg,
                bronnen=bronnen,
                sectie=sectie,
                uitzondering_op=tuple(str(x) for x in exc),
                noodzaak=_get(ctx, obj, "noodzaak", bool, what, required=False, default=False),
                plichten=self.gevolgen(ctx, obj, "plichten", Plicht, what),
                voorwaarden=self.gevolgen(ctx, obj, "voorwaarden", Voorwaarde, what),
                grenzen=tuple(grenzen),
                dekt_bijzondere_gegevens=_get(
                    ctx, obj, "dekt_bijzondere_gegevens", bool, what, required=False, default=False
                ),
                alleen_handreiking=alleen_handreiking,
                waar=ctx.where(obj.line),
                geldig_van=geldig[0],
                geldig_tot=geldig[1],
            )
        except _Missing:
            return None

    def load_aanvulling(self, ctx: _Ctx, item: Any) -> Aanvulling | None:
        keys = {
            "id",
            "bij",
            "als",
            "plichten",
            "voorwaarden",
            "behalve_bij_dekking",
            "uitleg",
            "bronnen",
            "sectie",
        }
        try:
            obj = _keys(ctx, item, keys, _label("aanvulling", item))
            aid = _get(ctx, obj, "id", str, "aanvulling")
            what = f"aanvulling {echo(aid)}"
            bij = frozenset(
                _enum(ctx, Oordeel, v, obj.line_of("bij"), what)
                for v in _get(ctx, obj, "bij", list, what)
            )
            sectie = self.sectie(ctx, obj, what)
            return Aanvulling(
                aid,
                bij,
                self.condition(ctx, obj, "als", what),
                self.gevolgen(ctx, obj, "plichten", Plicht, what),
                self.gevolgen(ctx, obj, "voorwaarden", Voorwaarde, what),
                _get(ctx, obj, "behalve_bij_dekking", bool, what, required=False, default=False),
                _tekst(ctx, obj, "uitleg", what),
                _bronnen(ctx, obj, what, self.secties, sectie, self.artikelen),
                sectie,
                ctx.where(obj.line),
            )
        except _Missing:
            return None

    def load_toekenning(self, ctx: _Ctx, item: Any) -> Toekenning | None:
        keys = {"id", "kenmerk", "waarde", "als", "uitleg", "bronnen", "sectie"}
        enums: dict[str, type[Verwerkingsverantwoordelijke] | type[Grondslag]] = {
            "verwerkingsverantwoordelijke": Verwerkingsverantwoordelijke,
            "grondslag": Grondslag,
        }
        try:
            obj = _keys(ctx, item, keys, _label("toekenning", item))
            tid = _get(ctx, obj, "id", str, "toekenning")
            what = f"toekenning {echo(tid)}"
            kenmerk = _get(ctx, obj, "kenmerk", str, what)
            if kenmerk not in enums:
                ctx.error(
                    obj.line_of("kenmerk"),
                    f"{what}: unknown kenmerk {echo(kenmerk)}; allowed: {', '.join(enums)}",
                )
                raise _Missing
            waarde = _enum_key(ctx, enums[kenmerk], obj, "waarde", what)
            sectie = self.sectie(ctx, obj, what)
            return Toekenning(
                tid,
                kenmerk,
                waarde,
                self.condition(ctx, obj, "als", what),
                _tekst(ctx, obj, "uitleg", what),
                _bronnen(ctx, obj, what, self.secties, sectie, self.artikelen),
                sectie,
                ctx.where(obj.line),
            )
        except _Missing:
            return None

    ENTRY_KEYS = ("definities", "regels", "aanvullingen", "toekenningen")

    def count_entries(self) -> None:
        """Refuse a rule set of more than ``MAX_ENTRIES`` entries before loading any."""
        total = 0
        for _path, shown, data in self.raw_files:
            if not isinstance(data, Located):
                continue
            for key in self.ENTRY_KEYS:
                items = data.get(key)
                total += len(items) if isinstance(items, list) else 0
                if total > MAX_ENTRIES:
                    self.problems.append(
                        f"{shown}:{data.line_of(key)}: more than {MAX_ENTRIES} entries "
                        "(definities, regels, aanvullingen and toekenningen together)"
                    )
                    raise SpecError(self.problems)

    def load_themes(
        self,
    ) -> tuple[list[Regel], list[Definitie], list[Aanvulling], list[Toekenning]]:
        regels: list[Regel] = []
        defs: list[Definitie] = []
        aanv: list[Aanvulling] = []
        toek: list[Toekenning] = []
        sections: list[tuple[str, list[Any], Callable[[_Ctx, Any], Any]]] = [
            ("definities", defs, self.load_definitie),
            ("regels", regels, self.load_regel),
            ("aanvullingen", aanv, self.load_aanvulling),
            ("toekenningen", toek, self.load_toekenning),
        ]
        for _path, shown, data in self.raw_files:
            ctx = _Ctx(shown, self.problems)
            if not isinstance(data, Located):
                continue
            for key, target, load in sections:
                items = data.get(key) or []
                if not isinstance(items, list):
                    ctx.error(data.line_of(key), f"'{key}' must be a list")
                    continue
                for item in items:
                    if not isinstance(item, Located):
                        ctx.error(
                            data.line_of(key),
                            f"'{key}': every entry must be a mapping, got {_kind_name(item)}",
                        )
                        continue
                    made = load(ctx, item)
                    if made is not None:
                        target.append(made)
        return regels, defs, aanv, toek

    # -- cross-file checks ---------------------------------------------------
    def check_graph(
        self,
        regels: list[Regel],
        defs: list[Definitie],
        aanv: list[Aanvulling],
        toek: list[Toekenning],
    ) -> None:
        seen: dict[str, str] = {}
        things: list[Regel | Aanvulling | Toekenning] = [*regels, *aanv, *toek]
        for thing in things:
            if thing.id in seen:
                self.problems.append(
                    f"{thing.waar}: duplicate id {echo(thing.id)} (first at {seen[thing.id]})"
                )
            seen[thing.id] = str(thing.waar)
        ids = {r.id for r in regels}
        for r in regels:
            for target in r.uitzondering_op:
                if target not in ids:
                    self.problems.append(
                        f"{r.waar}: regel {echo(r.id)}: uitzondering_op names unknown rule "
                        f"{echo(target)}{suggest(target, sorted(ids))}"
                    )
                elif target == r.id:
                    self.problems.append(f"{r.waar}: regel {echo(r.id)} is an exception to itself")
        exceptions = {r.id: (set(r.uitzondering_op) & ids) - {r.id} for r in regels}
        if not self._cycles(exceptions, {r.id: r.waar for r in regels}, "exception"):
            self.check_exception_chains(regels, exceptions)
        uses = {d.naam: references(d.als) for d in defs}
        if not self._cycles(uses, {d.naam: d.waar for d in defs}, "definition"):
            self.check_reference_depth(defs, [*regels, *aanv, *toek])
        for name in REQUIRED_DEFINITIONS:
            if name not in {d.naam for d in defs}:
                self.problems.append(
                    f"{self.shown(self.rules_dir)}:0: required definition '{name}' is missing"
                )

    def _cycles(self, graph: dict[str, set[str]], where: dict[str, Waar], what: str) -> bool:
        """Report every cycle; True if there is one."""
        found = False
        for node, cycle in _back_edges(graph):
            found = True
            self.problems.append(f"{where[node]}: cyclic {what} references: {_chain(cycle)}")
        return found

    def check_exception_chains(self, regels: list[Regel], graph: dict[str, set[str]]) -> None:
        """Refuse chains of more than ``MAX_EXCEPTION_DEPTH`` exceptions (at their heads)."""
        length = _bottom_up(graph, lambda n, done: 1 + max((done[t] for t in graph[n]), default=0))
        heads = _heads(graph, length, MAX_EXCEPTION_DEPTH)
        for r in regels:
            if r.id in heads:
                self.problems.append(
                    f"{r.waar}: regel {echo(r.id)}: chain of exceptions longer than "
                    f"{MAX_EXCEPTION_DEPTH} rules: {_chain(_deepest_path(r.id, graph, length))}"
                )

    def check_reference_depth(
        self, defs: list[Definitie], owners: list[Regel | Aanvulling | Toekenning]
    ) -> None:
        """Refuse conditions that nest more than ``MAX_REFERENCE_DEPTH`` levels deep
        through definitions (reported where the excess starts, not at every user)."""
        names = {d.naam for d in defs}
        graph = {d.naam: references(d.als) & names for d in defs}
        source = {d.naam: d.als for d in defs}
        depth = _bottom_up(graph, lambda n, done: _expanded_depth(source[n], done))
        heads = _heads(graph, depth, MAX_REFERENCE_DEPTH)
        too_deep = {n for n, v in depth.items() if v > MAX_REFERENCE_DEPTH}
        message = f"nests more than {MAX_REFERENCE_DEPTH} levels deep through definitions"
        for d in defs:
            if d.naam in heads:
                path = _chain(_deepest_path(d.naam, graph, depth))
                self.problems.append(f"{d.waar}: definitie {echo(d.naam)}: {message} ({path})")
        for owner in owners:
            for expr in _conditions(owner):
                if not references(expr) & too_deep and (
                    _expanded_depth(expr, depth) > MAX_REFERENCE_DEPTH
                ):
                    kind = type(owner).__name__.lower()
                    self.problems.append(
                        f"{owner.waar}: {kind} {echo(owner.id)}: a condition {message}"
                    )

    def run(
        self,
        extra: tuple[Path, ...] = (),
        local_only: tuple[Path, ...] = (),
        weglaten: frozenset[str] = frozenset(),
        beleid: tuple[LokaalBeleid, ...] = (),
    ) -> Specs:
        try:
            return self.load(extra, local_only, weglaten, beleid)
        except _TooMany:
            stop = f"stopped after {MAX_PROBLEMS} problems; fix these first"
            raise SpecError([*self.problems, f"{self.shown(self.rules_dir)}:0: {stop}"]) from None

    def load(
        self,
        extra: tuple[Path, ...],
        local_only: tuple[Path, ...],
        weglaten: frozenset[str],
        beleid: tuple[LokaalBeleid, ...] = (),
    ) -> Specs:
        self.load_secties(self.root / "handreiking.yaml")
        self.load_artikelen(self.root / "artikelen.yaml")
        self.load_codes(self.root / "codes.yaml")
        files = sorted(self.rules_dir.glob("*.yaml"))
        if not files:
            self.problems.append(f"{self.shown(self.rules_dir)}:0: no rule files (*.yaml)")
        for path, source in self.read_rule_files([*files, *extra, *local_only]):
            data = self.read(path, source)
            if data is not None:
                self.raw_files.append((path, self.shown(path), data))
        for b in beleid:  # already parsed (from a gemeente file), with its own lines
            self.hash.update(f"gemeente/{Path(b.bestand).name}".encode() + b"\0" + b.bron + b"\0")
            self.raw_files.append((Path(b.bestand), b.bestand, b.data))
        self.count_entries()
        self.collect_names()
        regels, defs, aanv, toek = self.load_themes()
        local_files = {self.shown(p) for p in local_only} | {b.bestand for b in beleid}
        for r in regels:
            if r.waar.file in local_files and r.laag is not Laag.LOKAAL:
                self.problems.append(
                    f"{r.waar}: regel {echo(r.id)}: a gemeente file may only hold "
                    f"rules with laag: lokaal, got {r.laag.value!r}"
                )
        if weglaten:
            # a variant that only drops rules must not share the digest of its base
            self.hash.update(("weglaten:" + ",".join(sorted(weglaten))).encode("utf-8"))
            known = {r.id for r in regels} | {a.id for a in aanv} | {t.id for t in toek}
            for gone in sorted(weglaten - known):
                self.problems.append(
                    f"whatif.yaml:0: weglaten names unknown rule {echo(gone)}"
                    f"{suggest(gone, sorted(known))}"
                )
            regels = [
                attrs.evolve(
                    r, uitzondering_op=tuple(x for x in r.uitzondering_op if x not in weglaten)
                )
                for r in regels
                if r.id not in weglaten
            ]
            aanv = [a for a in aanv if a.id not in weglaten]
            toek = [t for t in toek if t.id not in weglaten]
        self.check_graph(regels, defs, aanv, toek)
        if self.problems:
            raise SpecError(self.problems)
        return Specs(
            tuple(regels),
            tuple(defs),
            tuple(aanv),
            tuple(toek),
            dict(self.sets),
            self.plichten,
            self.voorwaarden,
            self.secties,
            "sha256:" + self.hash.hexdigest(),
        )


# -- graphs of definitions and exceptions, walked without recursion -----------------
# (a hostile file can chain a thousand of them; Python's stack holds about a thousand
# calls)


def _back_edges(graph: Mapping[str, set[str]]) -> Iterator[tuple[str, list[str]]]:
    """(node, cycle) for every edge of a depth-first search back into its own path."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in sorted(graph):
        if root in state:
            continue
        state[root] = 1
        path = [root]
        todo = [iter(sorted(graph.get(root, ())))]
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                yield path[-1], [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(sorted(graph.get(nxt, ()))))


def _bottom_up(
    graph: Mapping[str, set[str]], measure: Callable[[str, dict[str, int]], int]
) -> dict[str, int]:
    """``measure(node, done)`` for every node of an acyclic graph, each node measured
    after all nodes it points to (those are in ``done``)."""
    done: dict[str, int] = {}
    for root in sorted(graph):
        stack = [root]
        while stack:
            node = stack[-1]
            if node in done:
                stack.pop()
                continue
            waiting = [n for n in graph[node] if n in graph and n not in done]
            if waiting:
                stack.extend(waiting)
            else:
                done[node] = measure(node, done)
                stack.pop()
    return done


def _heads(graph: Mapping[str, set[str]], size: dict[str, int], limit: int) -> set[str]:
    """Nodes over ``limit`` that no other node over it points to: where to report."""
    over = {n for n, v in size.items() if v > limit}
    below = set().union(*(graph[n] for n in over))
    return over - below


def _deepest_path(start: str, graph: Mapping[str, set[str]], size: dict[str, int]) -> list[str]:
    path = [start]
    while graph.get(path[-1]):
        path.append(max(sorted(graph[path[-1]]), key=lambda n: size.get(n, 0)))
    return path


def _chain(names: list[str], shown: int = 6) -> str:
    """``a -> b -> c``, with the middle left out of a long chain and long names cut."""
    cut = [n if len(n) <= 40 else n[:37] + "..." for n in names]
    if len(cut) > shown:
        cut = [*cut[: shown - 2], "...", *cut[-2:]]
    return " -> ".join(cut)


def _expanded_depth(expr: Expr, depth_of: Mapping[str, int]) -> int:
    """Nesting of ``expr`` with definitions written out (``depth_of`` the definitions').

    Recursion is fine here: the parser keeps one condition within ``MAX_DEPTH`` levels.
    """
    if isinstance(expr, Not):
        return 1 + _expanded_depth(expr.operand, depth_of)
    if isinstance(expr, And | Or):
        return 1 + max(_expanded_depth(o, depth_of) for o in expr.operands)
    if isinstance(expr, Ref):
        return 1 + depth_of.get(expr.name, 0)
    return 0


def _conditions(owner: Regel | Aanvulling | Toekenning) -> Iterator[Expr]:
    """Every condition of a rule, aanvulling or toekenning."""
    yield owner.als
    if isinstance(owner, Regel):
        yield from (g.als for g in owner.grenzen)
    if not isinstance(owner, Toekenning):
        yield from (g.als for g in (*owner.plichten, *owner.voorwaarden))


def resolve_dirs(path: Path | str | None) -> tuple[Path, Path]:
    """(spec root, rules folder) for a spec folder, a rules folder, or the bundled specs."""
    if path is None:
        root = bundled_specs()
        return root, root / "rules"
    p = Path(path)
    if not p.is_dir():
        raise SpecError([f"{p}:0: not a directory"])
    if (p / "rules").is_dir():
        return p, p / "rules"
    root = p.parent if (p.parent / "handreiking.yaml").is_file() else bundled_specs()
    return root, p


WHATIF_KEYS = {"basis", "weglaten", "toevoegen", "beschrijving"}


def _present(path: Path) -> bool:
    """Whether anything (a file, a pipe, a dangling link ...) has this name: what is
    there is then read, and refused with a clear message if it is no regular file."""
    return path.exists() or path.is_symlink()


def _whatif(folder: Path) -> tuple[Path | None, tuple[Path, ...], frozenset[str]]:
    """Read ``whatif.yaml``: a base spec folder, rules to drop and theme files to add."""
    shown = f"{folder.name}/whatif.yaml"
    problems: list[str] = []
    ctx = _Ctx(shown, problems)
    try:
        data = load_yaml(folder / "whatif.yaml", shown)
        obj = _keys(ctx, data, WHATIF_KEYS, "whatif", 1)
        basis = _get(ctx, obj, "basis", str, "whatif", required=False)
        weg = _get(ctx, obj, "weglaten", list, "whatif", required=False, default=[])
        add = _get(ctx, obj, "toevoegen", list, "whatif", required=False, default=[])
    except YamlError as exc:
        raise SpecError([str(exc)]) from None
    except _Missing:
        raise SpecError(problems) from None
    extra = _additions(ctx, add, folder, obj.line_of("toevoegen"))
    if problems:
        raise SpecError(problems)
    base = (folder / basis).resolve() if basis else None
    return base, extra, frozenset(str(x) for x in weg)


def _additions(ctx: _Ctx, names: list[Any], folder: Path, line: int) -> tuple[Path, ...]:
    """The files ``toevoegen`` names: each once, each a name of something in ``folder``."""
    if len(names) > MAX_RULE_FILES:
        ctx.error(line, f"toevoegen names more than {MAX_RULE_FILES} files")
        return ()
    out: list[Path] = []
    for name in names:
        if not isinstance(name, str):
            ctx.error(line, f"toevoegen: every entry must be a file name, got {echo(name)}")
        elif folder / name in out:
            ctx.error(line, f"toevoegen names {echo(name)} twice")
        elif not _present(folder / name):
            ctx.error(line, f"toevoegen names a missing file {echo(name)}")
        else:
            out.append(folder / name)
    return tuple(out)


@attrs.frozen
class LokaalBeleid:
    """A gemeente's local policy, already parsed from its ``gemeente.yaml``: a theme
    mapping (``regels`` and friends) whose lines are lines of that file."""

    bestand: str
    data: Any = attrs.field(eq=False)
    bron: bytes = attrs.field(eq=False, repr=False)


def load_specs(
    path: Path | str | None = None,
    gemeente: Path | str | None = None,
    beleid: tuple[LokaalBeleid, ...] = (),
) -> Specs:
    """Load and validate a spec folder (default: the bundled one).

    A folder with a ``whatif.yaml`` is a what-if variant of a base folder: it drops
    the rules listed under ``weglaten`` and adds the theme files under
    ``toevoegen``. ``gemeente`` adds a file of the gemeente's own (lokaal) rules;
    ``beleid`` adds the local policy of an inrichting (see :mod:`pettenlogic.gemeente`).
    """
    extra: tuple[Path, ...] = ()
    weglaten: frozenset[str] = frozenset()
    if path is not None and _present(Path(path) / "whatif.yaml"):
        base, extra, weglaten = _whatif(Path(path))
        path = base
    root, rules_dir = resolve_dirs(path)
    local = (Path(gemeente),) if gemeente is not None else ()
    for f in local:
        if not _present(f):
            raise SpecError([f"{f}:0: gemeente file not found"])
    with _collector_paused():
        return _Loader(root, rules_dir).run(extra, local, weglaten, beleid)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading makes objects by the million and frees few: the cyclic garbage
    collector's full passes over them made loading grow faster than the rule set
    (10,000 rules: 14.6 s with it, 9.3 s without; 1,000 rules: 1.06 s and 0.91 s).
    It is switched back on afterwards, if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
