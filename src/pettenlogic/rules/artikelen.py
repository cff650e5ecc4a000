"""The article inventory (``specs/artikelen.yaml``) and the checks a citation must pass.

The inventory lists, per regeling, the articles the rulebook may cite and the
structure of each article (leden, onderdelen, subonderdelen) per version, with the
dates from which and until which that structure holds. A citation is valid only if
its article, lid, onderdeel and subonderdeel exist in the version it encodes; the
loader reports every other citation with ``file:line`` (see :meth:`Inventaris.check`).

Versions are ISO dates (``YYYY-MM-DD``), compared as strings. A citation encodes
one of the consolidated versions listed under the regeling's ``versies``; without
an explicit ``versie`` it encodes the latest version on or before the
``standaarddatum`` (the date of the law the handreiking describes).
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..model.convert import suggest
from ..model.vocabulary import Regeling
from .yamlsrc import Located, YamlError, load_yaml, unknown_keys

DATUM = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: one item of an onderdelen list: ``a``, ``a-d``, ``1-26``, ``h(1-2)``
ITEM = re.compile(r"^(?P<van>[a-z]+|\d+)(?:-(?P<tot>[a-z]+|\d+))?(?:\((?P<sub>[^()]*)\))?$")


class CitationError(ValueError):
    """A citation that the inventory does not support; ``key`` names the offending key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


def datum(value: Any) -> str | None:
    """A version date as an ISO string, or ``None`` if ``value`` is not one.

    YAML reads an unquoted ``2020-07-01`` as a date; both spellings are accepted.
    """
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str) and DATUM.match(value):
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return None
        return value
    return None


def _reeks(van: str, tot: str) -> list[str]:
    """The members of a range ``van-tot`` (letters a-z or whole numbers)."""
    if van.isdigit() and tot.isdigit():
        return [str(n) for n in range(int(van), int(tot) + 1)]
    if len(van) == 1 and len(tot) == 1 and van.isalpha() and tot.isalpha():
        return [chr(c) for c in range(ord(van), ord(tot) + 1)]
    raise ValueError(f"cannot expand the range '{van}-{tot}'")


def parse_lijst(text: str) -> dict[str, tuple[str, ...]]:
    """``"a(1-7), b, c"`` → ``{"a": ("1", …, "7"), "b": (), "c": ()}``, in order.

    Raises ``ValueError`` on a malformed list, a bad range or a duplicate.
    """
    out: dict[str, tuple[str, ...]] = {}
    for raw in text.split(","):
        item = raw.strip()
        m = ITEM.match(item)
        if not m:
            raise ValueError(f"cannot read '{item}'")
        names = _reeks(m["van"], m["tot"]) if m["tot"] else [m["van"]]
        if m["tot"] and m["sub"] is not None:
            raise ValueError(f"'{item}': subonderdelen belong to a single onderdeel")
        subs: tuple[str, ...] = ()
        if m["sub"] is not None:
            subs = tuple(n for part in m["sub"].split(",") for n in _expand(part.strip()))
            if not subs or not all(s.isdigit() for s in subs):
                raise ValueError(f"'{item}': subonderdelen are numbered 1, 2, …")
        for name in names:
            if name in out:
                raise ValueError(f"'{name}' is listed twice")
            out[name] = subs
    return out


def _expand(item: str) -> list[str]:
    van, _, tot = item.partition("-")
    return _reeks(van, tot) if tot else [van]


def samenvatting(items: Mapping[str, Any] | tuple[str, ...]) -> str:
    """A short listing of names for messages: ``1-5`` or ``a-d`` when consecutive."""
    names = list(items)
    if len(names) > 2:
        try:
            if _reeks(names[0], names[-1]) == names:
                return f"{names[0]}-{names[-1]}"
        except ValueError:
            pass
    return ", ".join(names)


@attrs.frozen
class Structuur:
    """The structure of an article from ``geldig_van`` up to (excluding) ``geldig_tot``."""

    geldig_van: str
    geldig_tot: str | None
    #: the leden in order, or ``None`` when the article has no leden
    leden: tuple[str, ...] | None
    #: onderdelen with their subonderdelen, per lid (key ``""`` for an article without leden)
    onderdelen: Mapping[str, Mapping[str, tuple[str, ...]]]
    line: int = 0

    def geldt_op(self, dag: str) -> bool:
        return self.geldig_van <= dag and (self.geldig_tot is None or dag < self.geldig_tot)


@attrs.frozen
class Artikel:
    nummer: str
    titel: str
    structuur: tuple[Structuur, ...]

    def op(self, dag: str) -> Structuur | None:
        """The structure in force on ``dag``, or ``None`` if the article did not exist then."""
        return next((s for s in self.structuur if s.geldt_op(dag)), None)


@attrs.frozen
class Wet:
    """One text in the official collection: its BWB id and the versions read."""

    bwb: str | None
    versies: tuple[str, ...]


@attrs.frozen
class Regelinginventaris:
    regeling: Regeling
    #: per BW book (``"1"``, ``"7"``); key ``""`` for every other regeling
    wetten: Mapping[str, Wet]
    artikelen: Mapping[str, Artikel]
    celex: str | None = None

    def wet(self, artikel: str) -> Wet | None:
        if self.regeling is Regeling.BW:
            return self.wetten.get(artikel.partition(":")[0])
        return self.wetten.get("")


@attrs.frozen
class Bronversie:
    """What the inventory resolves a citation to: the text's BWB id and the version."""

    bwb: str | None
    versie: str


@attrs.frozen
class Inventaris:
    """The whole article inventory."""

    standaarddatum: str
    regelingen: Mapping[Regeling, Regelinginventaris]

    def check(
        self,
        regeling: Regeling,
        artikel: str,
        lid: str | None = None,
        onderdeel: str | None = None,
        sub: str | None = None,
        aanhef: bool = False,
        versie: str | None = None,
        op: str | None = None,
    ) -> Bronversie:
        """Resolve a law citation, or raise :class:`CitationError` saying what is wrong.

        Without ``versie`` the citation encodes the latest version on or before ``op``
        (the date from which the citing rule holds), or else the ``standaarddatum``.
        """
        naam = regeling.value
        data = self.regelingen.get(regeling)
        if data is None:
            raise CitationError("regeling", f"{naam} is not in the article inventory")
        if not data.artikelen:
            raise CitationError(
                "artikel", f"the article inventory lists no articles of {naam} (none may be cited)"
            )
        wet = data.wet(artikel)
        if wet is None:
            raise CitationError("artikel", f"{naam} has no article {artikel!r} in the inventory")
        if versie is None:
            peil = op or self.standaarddatum
            eerder = [v for v in wet.versies if v <= peil]
            if not eerder:
                raise CitationError(
                    "artikel",
                    f"the inventory has no version of {naam} on or before {peil}; cite a versie",
                )
            versie = max(eerder)
        elif versie not in wet.versies:
            raise CitationError(
                "versie",
                f"versie {versie} is not a version of {naam} in the inventory "
                f"(versions: {', '.join(wet.versies)})",
            )
        art = data.artikelen.get(artikel)
        if art is None:
            raise CitationError(
                "artikel",
                f"{naam} has no article {artikel!r} in the inventory"
                f"{suggest(artikel, list(data.artikelen))}",
            )
        s = art.op(versie)
        if s is None:
            spans = ", ".join(
                f"from {x.geldig_van}" + (f" until {x.geldig_tot}" if x.geldig_tot else "")
                for x in art.structuur
            )
            raise CitationError(
                "artikel",
                f"{naam} {artikel} does not exist in the version of {versie} "
                f"(the inventory has it {spans})",
            )
        where = f"{naam} {artikel} (version of {versie})"
        onderdelen: Mapping[str, tuple[str, ...]] = s.onderdelen.get("", {})
        if lid is not None:
            if s.leden is None:
                hint = (
                    f"; its onderdelen are {samenvatting(tuple(onderdelen))}: cite one as onderdeel"
                    if onderdelen
                    else "; cite the article itself"
                )
                raise CitationError("lid", f"{where} has no leden{hint}")
            if lid not in s.leden:
                raise CitationError(
                    "lid", f"{where} has no lid {lid} (leden: {samenvatting(s.leden)})"
                )
            onderdelen = s.onderdelen.get(lid, {})
            where = f"{naam} {artikel} lid {lid} (version of {versie})"
        elif onderdeel is not None and s.leden is not None:
            raise CitationError(
                "onderdeel", f"{where} has leden: name the lid that holds onderdeel {onderdeel}"
            )
        if onderdeel is not None:
            if not onderdelen:
                raise CitationError("onderdeel", f"{where} has no onderdelen")
            if onderdeel not in onderdelen:
                raise CitationError(
                    "onderdeel",
                    f"{where} has no onderdeel {onderdeel} "
                    f"(onderdelen: {samenvatting(tuple(onderdelen))})",
                )
        if sub is not None:
            if onderdeel is None:
                raise CitationError("sub", "a subonderdeel (sub) needs its onderdeel")
            subs = onderdelen[onderdeel]
            if sub not in subs:
                shown = f"subonderdelen: {samenvatting(subs)}" if subs else "none"
                raise CitationError(
                    "sub", f"{where} onder {onderdeel} has no subonderdeel {sub}° ({shown})"
                )
        if aanhef and onderdeel is None:
            raise CitationError(
                "aanhef", "'aanhef' cites the opening words of an enumeration: name the onderdeel"
            )
        return Bronversie(wet.bwb, versie)


# -- loading ---------------------------------------------------------------------------


class _Fout(Exception):
    pass


class _Lezer:
    """Reads ``artikelen.yaml`` into an :class:`Inventaris`, collecting file:line problems."""

    def __init__(self, shown: str, problems: list[str]) -> None:
        self.shown = shown
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.append(f"{self.shown}:{line}: {message}")

    def mapping(self, obj: Any, line: int, what: str, allowed: set[str]) -> Located:
        if not isinstance(obj, Located):
            self.error(line, f"{what}: expected a mapping")
            raise _Fout
        for at, message in unknown_keys(obj, allowed, what):
            self.error(at, message)
        return obj

    def need(self, obj: Located, key: str, what: str) -> Any:
        if key not in obj:
            self.error(obj.line, f"{what}: missing required key '{key}'")
            raise _Fout
        return obj[key]

    def datum(self, obj: Located, key: str, what: str) -> str:
        value = datum(obj[key])
        if value is None:
            self.error(obj.line_of(key), f"{what}: '{key}' must be a date YYYY-MM-DD")
            raise _Fout
        return value

    def versies(self, obj: Located, what: str) -> tuple[str, ...]:
        raw = self.need(obj, "versies", what)
        if not isinstance(raw, list):
            self.error(obj.line_of("versies"), f"{what}: 'versies' must be a list of dates")
            raise _Fout
        out = tuple(datum(v) for v in raw)
        if any(v is None for v in out):
            self.error(obj.line_of("versies"), f"{what}: 'versies' must be a list of dates")
            raise _Fout
        dates = tuple(v for v in out if v is not None)
        if list(dates) != sorted(set(dates)):
            self.error(obj.line_of("versies"), f"{what}: 'versies' must be ascending, no repeats")
        return dates

    def lijst(self, value: Any, line: int, what: str) -> dict[str, tuple[str, ...]]:
        try:
            if not isinstance(value, str) or not value.strip():
                raise ValueError("expected a list such as 'a-d' or 'a(1-7), b'")
            return parse_lijst(value)
        except ValueError as exc:
            self.error(line, f"{what}: {exc}")
            raise _Fout from None

    def structuur(self, obj: Any, line: int, what: str) -> Structuur:
        keys = {"geldig_van", "geldig_tot", "leden", "onderdelen"}
        s = self.mapping(obj, line, what, keys)
        self.need(s, "geldig_van", what)
        van = self.datum(s, "geldig_van", what)
        tot = self.datum(s, "geldig_tot", what) if "geldig_tot" in s else None
        if tot is not None and tot <= van:
            self.error(s.line_of("geldig_tot"), f"{what}: geldig_tot must be after geldig_van")
        leden: tuple[str, ...] | None = None
        if "leden" in s:
            parsed = self.lijst(str(s["leden"]), s.line_of("leden"), f"{what}.leden")
            if any(parsed.values()):
                self.error(s.line_of("leden"), f"{what}.leden: leden have no subonderdelen")
            leden = tuple(parsed)
        onderdelen: dict[str, Mapping[str, tuple[str, ...]]] = {}
        raw = s.get("onderdelen")
        if raw is not None:
            oline = s.line_of("onderdelen")
            if leden is None:
                onderdelen[""] = self.lijst(raw, oline, f"{what}.onderdelen")
            elif not isinstance(raw, Located):
                self.error(oline, f"{what}.onderdelen: with leden, give the onderdelen per lid")
                raise _Fout
            else:
                for lid, text in raw.items():
                    if lid not in leden:
                        self.error(raw.line_of(lid), f"{what}.onderdelen: no lid {lid!r}")
                        continue
                    onderdelen[lid] = self.lijst(text, raw.line_of(lid), f"{what}.onderdelen")
        return Structuur(van, tot, leden, onderdelen, s.line)

    def artikel(self, nummer: str, obj: Any, line: int, what: str) -> Artikel:
        a = self.mapping(obj, line, what, {"titel", "structuur"})
        titel = self.need(a, "titel", what)
        if not isinstance(titel, str) or not titel.strip():
            self.error(a.line_of("titel"), f"{what}: 'titel' must be a short text")
        raw = self.need(a, "structuur", what)
        if not isinstance(raw, list) or not raw:
            self.error(a.line_of("structuur"), f"{what}: 'structuur' must be a non-empty list")
            raise _Fout
        entries = [
            self.structuur(item, getattr(item, "line", a.line_of("structuur")), what)
            for item in raw
        ]
        for prev, nxt in itertools.pairwise(entries):
            if prev.geldig_tot is None or nxt.geldig_van < prev.geldig_tot:
                self.error(nxt.line, f"{what}: structures overlap; order them and end each one")
        return Artikel(nummer, str(titel), tuple(entries))

    def regeling(self, regeling: Regeling, obj: Any, line: int) -> Regelinginventaris:
        what = f"regeling '{regeling.value}'"
        keys = {"bwb", "celex", "versies", "boeken", "artikelen"}
        r = self.mapping(obj, line, what, keys)
        wetten: dict[str, Wet] = {}
        if regeling is Regeling.BW:
            boeken = self.need(r, "boeken", what)
            if not isinstance(boeken, Located) or not boeken:
                self.error(r.line_of("boeken"), f"{what}: 'boeken' must map each book to its text")
                raise _Fout
            for boek, spec in boeken.items():
                b = self.mapping(
                    spec, boeken.line_of(boek), f"{what} boek {boek}", {"bwb", "versies"}
                )
                wetten[str(boek)] = Wet(
                    self.bwb(b, f"{what} boek {boek}"), self.versies(b, f"{what} boek {boek}")
                )
        else:
            bwb = self.bwb(r, what) if "bwb" in r else None
            if bwb is None and "celex" not in r:
                self.error(r.line, f"{what}: needs a 'bwb' (or a 'celex' for EU law)")
            wetten[""] = Wet(bwb, self.versies(r, what))
        raw = self.need(r, "artikelen", what)
        if not isinstance(raw, Located):
            self.error(r.line_of("artikelen"), f"{what}: 'artikelen' must be a mapping")
            raise _Fout
        artikelen: dict[str, Artikel] = {}
        for nummer, spec in raw.items():
            awhat = f"{regeling.value} {nummer}"
            try:
                art = self.artikel(str(nummer), spec, raw.line_of(nummer), awhat)
            except _Fout:
                continue
            wet = wetten.get(nummer.partition(":")[0] if regeling is Regeling.BW else "")
            if wet is None:
                self.error(raw.line_of(nummer), f"{awhat}: no boek for this article")
            elif wet.versies and art.structuur[0].geldig_van > wet.versies[-1]:
                self.error(raw.line_of(nummer), f"{awhat}: starts after the newest version read")
            artikelen[str(nummer)] = art
        celex = r.get("celex")
        return Regelinginventaris(regeling, wetten, artikelen, str(celex) if celex else None)

    def bwb(self, obj: Located, what: str) -> str:
        value = self.need(obj, "bwb", what)
        if not isinstance(value, str) or not re.match(r"^BWBR\d{7}$", value):
            self.error(obj.line_of("bwb"), f"{what}: 'bwb' must look like BWBR0034925")
            raise _Fout
        return value

    def read(self, data: Any) -> Inventaris | None:
        try:
            top = self.mapping(data, 1, "artikelen", {"standaarddatum", "regelingen"})
            self.need(top, "standaarddatum", "artikelen")
            standaard = self.datum(top, "standaarddatum", "artikelen")
            raw = self.mapping(
                self.need(top, "regelingen", "artikelen"),
                top.line_of("regelingen"),
                "regelingen",
                {r.value for r in Regeling if r is not Regeling.HANDREIKING},
            )
        except _Fout:
            return None
        out: dict[Regeling, Regelinginventaris] = {}
        for name, spec in raw.items():
            if name not in {r.value for r in Regeling} or name == Regeling.HANDREIKING.value:
                continue  # reported as an unknown key
            try:
                out[Regeling(name)] = self.regeling(Regeling(name), spec, raw.line_of(name))
            except _Fout:
                continue
        return Inventaris(standaard, out)


def read_artikelen(data: Any, shown: str, problems: list[str]) -> Inventaris | None:
    """Validate already loaded inventory YAML; problems are appended as file:line strings."""
    return _Lezer(shown, problems).read(data)


def load_artikelen(path: Path | str, shown: str | None = None) -> Inventaris:
    """Load and validate an inventory file; raise ``ValueError`` listing every problem."""
    p = Path(path)
    shown = shown or str(p)
    problems: list[str] = []
    try:
        data = load_yaml(p, shown)
    except YamlError as exc:
        raise ValueError(str(exc)) from None
    inventaris = read_artikelen(data, shown, problems)
    if problems or inventaris is None:
        raise ValueError("invalid article inventory:\n  " + "\n  ".join(problems))
    return inventaris


__all__ = [
    "Artikel",
    "Bronversie",
    "CitationError",
    "Inventaris",
    "Regelinginventaris",
    "Structuur",
    "Wet",
    "datum",
    "load_artikelen",
    "parse_lijst",
    "read_artikelen",
]
