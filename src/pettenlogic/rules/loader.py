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

import hashlib
import re
from collections.abc import Callable
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
    Taak,
    Toestemming,
    Verwerkingsverantwoordelijke,
    Voorwaarde,
    Werkgever,
    Wet,
)
from .artikelen import CitationError, Inventaris, datum, read_artikelen
from .expr import TRUE, Expr, ExprError, Scope, parse_condition, references
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
from .yamlsrc import Located, YamlError, load_yaml

E = TypeVar("E", bound=Enum)

#: enums a value set may hold, by the name used in ``soort``
SET_KINDS: dict[str, type[Enum]] = {
    e.__name__.lower(): e
    for e in (Categorie, Taak, Wet, Registratie, Werkgever, Toestemming, Informeren)
}
REQUIRED_DEFINITIONS = ("beroepsgeheim",)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.:_-]*$")


class SpecError(ValueError):
    """The spec folder is invalid; ``problems`` are ``file:line: message`` strings."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid specs:\n  " + "\n  ".join(problems))

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its problems, not from the message (a pool sends errors pickled)
        return (type(self), (self.problems,))


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
        ctx.error(obj.line_of(key), f"{what}: key '{key}' must be {names}, got {value!r}")
        raise _Missing
    return value


def _enum(ctx: _Ctx, enum: type[E], value: Any, line: int, what: str) -> E:
    allowed = [m.value for m in enum]
    if value not in allowed:
        ctx.error(
            line,
            f"{what}: unknown value {value!r}{suggest(value, allowed)}; "
            f"allowed: {', '.join(allowed)}",
        )
        raise _Missing
    return enum(value)


def _label(kind: str, item: Any, key: str = "id") -> str:
    """``regel 'x'`` when the item names itself, else just the kind (for early messages)."""
    name = item.get(key) if isinstance(item, dict) else None
    return f"{kind} '{name}'" if isinstance(name, str) else kind


def _enum_key(ctx: _Ctx, enum: type[E], obj: Located, key: str, what: str) -> E:
    """A required key whose value must be one of ``enum``'s values."""
    return _enum(ctx, enum, _get(ctx, obj, key, str, what), obj.line_of(key), what)


def _keys(
    ctx: _Ctx, obj: Any, allowed: set[str] | frozenset[str], what: str, line: int = 0
) -> Located:
    if not isinstance(obj, Located):
        ctx.error(line, f"{what}: expected a mapping, got {_kind_name(obj)}")
        raise _Missing
    for key in obj:
        if key not in allowed:
            ctx.error(
                obj.line_of(key),
                f"{what}: unknown key '{key}'{suggest(key, sorted(allowed))}; "
                f"allowed: {', '.join(sorted(allowed))}",
            )
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
    titel = obj.get("titel")
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
                f"{what}: unknown handreiking section '{artikel}'{suggest(artikel, list(secties))}",
            )
            raise _Missing
        return Bron(
            regeling, artikel, None, secties[artikel].pagina, titel or secties[artikel].titel
        )
    if regeling is Regeling.BW and not BW_ARTIKEL.match(artikel):
        ctx.error(
            obj.line_of("artikel"),
            f"{what}: BW articles are written like '1:240' or '7:457', got {artikel!r}",
        )
        raise _Missing
    return _wetsbron(ctx, obj, what, regeling, artikel, titel, artikelen)


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
) -> Bron:
    """A law citation, checked against the article inventory (its version filled in)."""
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
        found = artikelen.check(regeling, artikel, lid, onderdeel, sub, aanhef, versie)
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
        self.problems: list[str] = []
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

    def read(self, path: Path) -> Any:
        shown = self.shown(path)
        try:
            data = load_yaml(path, shown)
        except YamlError as exc:
            self.problems.append(str(exc))
            return None
        # the digest names files by folder/name only, so a copy elsewhere hashes the same
        key = f"{path.parent.name}/{path.name}".encode()
        self.hash.update(key + b"\0" + path.read_bytes() + b"\0")
        if data is None:
            self.problems.append(f"{shown}:1: the file is empty")
        return data

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
                        ctx.error(item.line, f"duplicate definition name '{name}'")
                    self.def_names.add(name)

    def load_set(self, ctx: _Ctx, table: Located, name: str, spec: Any) -> None:
        what = f"verzameling '{name}'"
        line = table.line_of(name)
        try:
            obj = _keys(ctx, spec, {"soort", "waarden", "uitleg"}, what, line)
            soort = _get(ctx, obj, "soort", str, what)
            if soort not in SET_KINDS:
                ctx.error(
                    obj.line_of("soort"),
                    f"{what}: unknown soort {soort!r}; allowed: {', '.join(SET_KINDS)}",
                )
                return
            enum = SET_KINDS[soort]
            values = _get(ctx, obj, "waarden", list, what)
            checked = frozenset(
                _enum(ctx, enum, v, obj.line_of("waarden"), what).value for v in values
            )
            if name in self.sets:
                ctx.error(line, f"duplicate value set '{name}'")
            if name in flow_fields():
                ctx.error(line, f"value set '{name}' clashes with a field name")
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
                f"{what}: unknown handreiking section '{sid}'{suggest(sid, list(self.secties))}",
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
            what = f"definitie '{name}'"
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
        }
    )

    def regel_bronnen(
        self, ctx: _Ctx, obj: Located, what: str, sectie: str, laag: Laag
    ) -> tuple[tuple[Bron, ...], bool]:
        """A rule's citations: a law article is required unless ``alleen_handreiking``."""
        flag = obj.get("alleen_handreiking") is True
        bronnen = _bronnen(ctx, obj, what, self.secties, sectie, self.artikelen, need_law=not flag)
        return bronnen, _alleen_handreiking(ctx, obj, what, laag, bronnen)

    def load_regel(self, ctx: _Ctx, item: Any) -> Regel | None:
        try:
            obj = _keys(ctx, item, self.RULE_KEYS, _label("regel", item))
            rid = _get(ctx, obj, "id", str, "regel")
            what = f"regel '{rid}'"
            if not ID_PATTERN.match(rid):
                ctx.error(
                    obj.line_of("id"), f"{what}: id must be lower case letters, digits and . : _ -"
                )
            sectie = self.sectie(ctx, obj, what)
            exc = _get(ctx, obj, "uitzondering_op", list, what, required=False, default=[])
            grenzen = []
            for g in _get(ctx, obj, "grenzen", list, what, required=False, default=[]):
                sub = _keys(ctx, g, {"als", "uitleg"}, f"{what}.grenzen", obj.line_of("grenzen"))
                grenzen.append(
                    Grens(self.condition(ctx, sub, "als", what), _tekst(ctx, sub, "uitleg", what))
                )
            titel = _tekst(ctx, obj, "titel", what)
            laag = _enum_key(ctx, Laag, obj, "laag", what)
            effect = _enum_key(ctx, Effect, obj, "effect", what)
            als = self.condition(ctx, obj, "als", what)
            uitleg = _tekst(ctx, obj, "uitleg", what)
            bronnen, alleen_handreiking = self.regel_bronnen(ctx, obj, what, sectie, laag)
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
            what = f"aanvulling '{aid}'"
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
            what = f"toekenning '{tid}'"
            kenmerk = _get(ctx, obj, "kenmerk", str, what)
            if kenmerk not in enums:
                ctx.error(
                    obj.line_of("kenmerk"),
                    f"{what}: unknown kenmerk {kenmerk!r}; allowed: {', '.join(enums)}",
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
                    f"{thing.waar}: duplicate id '{thing.id}' (first at {seen[thing.id]})"
                )
            seen[thing.id] = str(thing.waar)
        ids = {r.id for r in regels}
        for r in regels:
            for target in r.uitzondering_op:
                if target not in ids:
                    self.problems.append(
                        f"{r.waar}: regel '{r.id}': uitzondering_op names unknown rule "
                        f"'{target}'{suggest(target, sorted(ids))}"
                    )
                elif target == r.id:
                    self.problems.append(f"{r.waar}: regel '{r.id}' is an exception to itself")
        self._cycles(
            {r.id: (set(r.uitzondering_op) & ids) - {r.id} for r in regels},
            {r.id: r.waar for r in regels},
            "exception",
        )
        self._cycles(
            {d.naam: references(d.als) for d in defs}, {d.naam: d.waar for d in defs}, "definition"
        )
        for name in REQUIRED_DEFINITIONS:
            if name not in {d.naam for d in defs}:
                self.problems.append(
                    f"{self.shown(self.rules_dir)}: required definition '{name}' is missing"
                )

    def _cycles(self, graph: dict[str, set[str]], where: dict[str, Waar], what: str) -> None:
        state: dict[str, int] = {}

        def visit(node: str, trail: list[str]) -> None:
            state[node] = 1
            for nxt in sorted(graph.get(node, ())):
                if state.get(nxt) == 1:
                    cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                    self.problems.append(
                        f"{where[node]}: cyclic {what} references: " + " -> ".join(cycle)
                    )
                elif nxt not in state:
                    visit(nxt, [*trail, nxt])
            state[node] = 2

        for node in sorted(graph):
            if node not in state:
                visit(node, [node])

    def run(
        self,
        extra: tuple[Path, ...] = (),
        local_only: tuple[Path, ...] = (),
        weglaten: frozenset[str] = frozenset(),
    ) -> Specs:
        self.load_secties(self.root / "handreiking.yaml")
        self.load_artikelen(self.root / "artikelen.yaml")
        self.load_codes(self.root / "codes.yaml")
        files = sorted(self.rules_dir.glob("*.yaml"))
        if not files:
            self.problems.append(f"{self.shown(self.rules_dir)}: no rule files (*.yaml)")
        for path in [*files, *extra, *local_only]:
            data = self.read(path)
            if data is not None:
                self.raw_files.append((path, self.shown(path), data))
        self.collect_names()
        regels, defs, aanv, toek = self.load_themes()
        local_files = {self.shown(p) for p in local_only}
        for r in regels:
            if r.waar.file in local_files and r.laag is not Laag.LOKAAL:
                self.problems.append(
                    f"{r.waar}: regel '{r.id}': a gemeente file may only hold "
                    f"rules with laag: lokaal, got {r.laag.value!r}"
                )
        if weglaten:
            known = {r.id for r in regels} | {a.id for a in aanv} | {t.id for t in toek}
            for gone in sorted(weglaten - known):
                self.problems.append(
                    f"whatif.yaml: weglaten names unknown rule {gone!r}"
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


def resolve_dirs(path: Path | str | None) -> tuple[Path, Path]:
    """(spec root, rules folder) for a spec folder, a rules folder, or the bundled specs."""
    if path is None:
        root = bundled_specs()
        return root, root / "rules"
    p = Path(path)
    if not p.is_dir():
        raise SpecError([f"{p}: not a directory"])
    if (p / "rules").is_dir():
        return p, p / "rules"
    root = p.parent if (p.parent / "handreiking.yaml").is_file() else bundled_specs()
    return root, p


WHATIF_KEYS = {"basis", "weglaten", "toevoegen", "beschrijving"}


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
    extra = tuple(folder / str(f) for f in add)
    for f in extra:
        if not f.is_file():
            problems.append(f"{shown}: toevoegen names a missing file {f.name!r}")
    if problems:
        raise SpecError(problems)
    base = (folder / basis).resolve() if basis else None
    return base, extra, frozenset(str(x) for x in weg)


def load_specs(path: Path | str | None = None, gemeente: Path | str | None = None) -> Specs:
    """Load and validate a spec folder (default: the bundled one).

    A folder with a ``whatif.yaml`` is a what-if variant of a base folder: it drops
    the rules listed under ``weglaten`` and adds the theme files under
    ``toevoegen``. ``gemeente`` adds a file of the gemeente's own (lokaal) rules.
    """
    extra: tuple[Path, ...] = ()
    weglaten: frozenset[str] = frozenset()
    if path is not None and (Path(path) / "whatif.yaml").is_file():
        base, extra, weglaten = _whatif(Path(path))
        path = base
    root, rules_dir = resolve_dirs(path)
    local = (Path(gemeente),) if gemeente is not None else ()
    for f in local:
        if not f.is_file():
            raise SpecError([f"{f}: gemeente file not found"])
    return _Loader(root, rules_dir).run(extra, local, weglaten)
