"""Case timelines (casus): a case as a sequence of events, checked step by step.

A casus file (YAML, docs/casus.md) names the person, the professional and the
events: a resident reports (``melden``), a route is chosen (``route``), the
professional switches hats (``rol``), data is recorded (``vastleggen``) or shared
(``delen``), a request arrives (``verzoek``), consent is given, refused or
withdrawn (``toestemming``), the resident or youth is told (``informeren``).

Every ``delen`` is one flow decided by the same :class:`~pettenlogic.Rulebook`.
The circumstances that the timeline establishes are *derived*, never typed in:
``toestemming`` from the consent events for that recipient, ``inwoner_geinformeerd``
from earlier ``informeren`` events, ``desgevraagd`` from an open request, and
``inwoner_kende_rol`` from whether the role was named when the data was recorded.
The temporal duties (:mod:`.tijdsplichten`) are checked beside the verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from ..decision import Decision
from ..model.convert import InvalidInput, flow_from_json, flow_to_json, suggest
from ..model.vocabulary import TAAKGROEP, TAKEN_MET_WET, Categorie, Oordeel, Taak, Taakgroep, Wet
from ..rulebook import Rulebook
from ..rules.loader import SpecError, _Ctx, _enum, _get, _keys, _Missing, _tekst, resolve_dirs
from ..rules.spec import Tekst
from ..rules.yamlsrc import Located, YamlError, echo, load_yaml
from .tijdsplichten import Tijdlijn, Tijdsplicht, addressees, load_tijdsplichten

SOORTEN: dict[str, frozenset[str]] = {
    "melden": frozenset({"omschrijving"}),
    "route": frozenset({"route", "keuze", "taak", "wet", "benoemd"}),
    "rol": frozenset({"taak", "wet", "benoemd"}),
    "vastleggen": frozenset({"gegevens", "categorie"}),
    "delen": frozenset({"gegevens", "van", "naar", "professional", "omstandigheden"}),
    "verzoek": frozenset({"van"}),
    "toestemming": frozenset({"naar", "categorie", "stand"}),
    "informeren": frozenset({"over", "wie"}),
}
STANDEN = ("gegeven", "geweigerd", "ingetrokken")
WIE = ("inwoner", "jeugdige", "vertegenwoordiger")
ROUTES = ("a", "b", "c", "d")
WET_TAKEN = frozenset(t.value for t in TAKEN_MET_WET)
#: the tasks each route of figure 1 (handreiking 2.1-2.5) can lead to
ROUTE_TAKEN: dict[tuple[str, int | None], frozenset[Taak]] = {
    ("a", None): frozenset({Taak.ALGEMEEN_ADVIES}),
    ("b", None): frozenset(t for t, g in TAAKGROEP.items() if g is Taakgroep.COLLEGE),
    ("c", None): frozenset({Taak.JEUGDHULP, Taak.MAATSCHAPPELIJK_WERK}),
    ("d", 1): frozenset(t for t, g in TAAKGROEP.items() if g is Taakgroep.COLLEGE),
    ("d", 2): frozenset(t for t, g in TAAKGROEP.items() if g is Taakgroep.HULPVERLENING),
    ("d", 3): frozenset({Taak.DESKUNDIGENADVIES}),
}
#: circumstances the timeline derives; a ``delen`` step may not set them itself
AFGELEID = {
    "toestemming": "a 'toestemming' event",
    "inwoner_geinformeerd": "an 'informeren' event before the step",
    "desgevraagd": "a 'verzoek' event",
    "inwoner_kende_rol": "the 'benoemd' of the 'rol' or 'route' event",
}
#: where regie sits: treatment data going there needs fresh consent (handreiking 2.10)
REGIETAKEN = frozenset({Taak.REGIE_HULPVERLENING.value, Taak.REGIE_TOELEIDING.value})
TOP_KEYS = {"casus", "titel", "thema", "betrokkene", "professional", "gebeurtenissen"}
MAX_EVENTS = 1000
PERMITS = (Oordeel.TOEGESTAAN, Oordeel.VERPLICHT)


@attrs.frozen
class Gebeurtenis:
    """One event of a casus, as written (validated)."""

    nummer: int
    soort: str
    velden: dict[str, Any]
    omschrijving: str
    verwacht_oordeel: str | None
    verwacht_gemist: tuple[str, ...]
    regel: int


@attrs.frozen
class Casus:
    naam: str
    titel: Tekst
    thema: str
    betrokkene: dict[str, Any]
    professional: dict[str, Any]
    gebeurtenissen: tuple[Gebeurtenis, ...]
    bestand: str


@attrs.frozen
class Plichtstatus:
    """A duty at a step: ``voldaan`` (met), ``gemist`` (missed) or ``open`` (to do)."""

    id: str
    status: str
    tekst: str
    bronnen: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "tekst": self.tekst,
            "bronnen": [b.to_dict() for b in self.bronnen],
        }


@attrs.define
class Stapverslag:
    """The report of one step."""

    gebeurtenis: Gebeurtenis
    stroom: dict[str, Any] | None = None
    beslissing: Decision | None = None
    plichten: list[Plichtstatus] = attrs.field(factory=list)
    overtredingen: list[str] = attrs.field(factory=list)

    @property
    def gemist(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.plichten if p.status == "gemist")

    def afwijkingen(self) -> list[str]:
        """Where the report differs from the step's ``verwacht`` (empty: as expected)."""
        g = self.gebeurtenis
        out = []
        oordeel = self.beslissing.oordeel.value if self.beslissing else None
        if g.verwacht_oordeel is not None and g.verwacht_oordeel != oordeel:
            out.append(f"oordeel {oordeel}, verwacht {g.verwacht_oordeel}")
        if sorted(self.gemist) != sorted(g.verwacht_gemist):
            out.append(f"gemist {list(self.gemist)}, verwacht {list(g.verwacht_gemist)}")
        return out

    def to_dict(self) -> dict[str, Any]:
        g = self.gebeurtenis
        return {
            "stap": g.nummer,
            "soort": g.soort,
            "omschrijving": g.omschrijving,
            "stroom": self.stroom,
            "beslissing": self.beslissing.to_dict() if self.beslissing else None,
            "plichten": [p.to_dict() for p in self.plichten],
            "overtredingen": self.overtredingen,
            "afwijkingen_van_verwacht": self.afwijkingen(),
        }


@attrs.frozen
class Casusverslag:
    casus: Casus
    stappen: tuple[Stapverslag, ...]

    @property
    def overtreden(self) -> bool:
        return any(s.overtredingen for s in self.stappen)

    def to_dict(self) -> dict[str, Any]:
        c = self.casus
        return {
            "casus": c.naam,
            "titel": c.titel.nl,
            "thema": c.thema,
            "overtreden": self.overtreden,
            "stappen": [s.to_dict() for s in self.stappen],
        }


# -- loading ----------------------------------------------------------------------------


def load_casus(path: str | Path, rulebook: Rulebook, shown: str | None = None) -> Casus:
    """Read and validate a casus file; raise :class:`SpecError` with file:line problems."""
    path = Path(path)
    shown = shown or str(path)
    problems: list[str] = []
    try:
        data = load_yaml(path, shown)
    except YamlError as exc:
        raise SpecError([str(exc)]) from None
    ctx = _Ctx(shown, problems)
    try:
        top = _keys(ctx, data, TOP_KEYS, "casus", 1)
        naam = _get(ctx, top, "casus", str, "casus")
        titel = _tekst(ctx, top, "titel", "casus")
        thema = _get(ctx, top, "thema", str, "casus")
        if thema not in rulebook.specs.secties:
            ctx.error(top.line_of("thema"), f"casus: unknown handreiking section {echo(thema)}")
        betrokkene = _get(ctx, top, "betrokkene", dict, "casus", required=False, default={})
        professional = _get(ctx, top, "professional", dict, "casus", required=False, default={})
        raw = _get(ctx, top, "gebeurtenissen", list, "casus")
        if len(raw) > MAX_EVENTS:
            ctx.error(top.line_of("gebeurtenissen"), f"casus: more than {MAX_EVENTS} events")
            raise _Missing
        events = []
        for i, item in enumerate(raw, 1):
            try:
                events.append(_event(ctx, i, item, top.line_of("gebeurtenissen")))
            except _Missing:
                continue
    except _Missing:
        raise SpecError(problems or [f"{shown}:1: invalid casus"]) from None
    if problems:
        raise SpecError(problems)
    return Casus(naam, titel, thema, dict(betrokkene), dict(professional), tuple(events), shown)


def _event(ctx: _Ctx, nummer: int, item: Any, line: int) -> Gebeurtenis:
    what = f"gebeurtenis {nummer}"
    obj: Located = _keys(ctx, item, {*SOORTEN, "omschrijving", "verwacht"}, what, line)
    kinds = [k for k in obj if k in SOORTEN]
    if len(kinds) != 1:
        ctx.error(obj.line, f"{what}: needs exactly one of {', '.join(SOORTEN)}; got {kinds}")
        raise _Missing
    soort = kinds[0]
    velden = obj[soort] if obj[soort] is not None else {}
    at = obj.line_of(soort)
    velden = _keys(ctx, velden, SOORTEN[soort], f"{what} ({soort})", at)
    check = _Check(ctx, velden, f"{what} ({soort})", at)
    if soort in ("route", "rol"):
        check.enum("taak", Taak)
        check.enum("wet", Wet, required=False)
        check.kind("benoemd", bool)
        if soort == "route":
            check.choice("route", ROUTES)
            keuze = velden.get("keuze")
            route = (velden["route"], keuze)
            if route not in ROUTE_TAKEN:
                ctx.error(
                    velden.line, f"{what}: route d takes a keuze 1, 2 or 3, other routes none"
                )
                raise _Missing
            taken = sorted(t.value for t in ROUTE_TAKEN[route])
            if velden["taak"] not in taken:
                ctx.error(
                    velden.line_of("taak"),
                    f"{what}: route {route[0]}{'' if keuze is None else f' keuze {keuze}'} "
                    f"leads to {', '.join(taken)}, not {echo(velden['taak'])}",
                )
                raise _Missing
    elif soort == "vastleggen":
        check.kind("gegevens", str)
        check.enum("categorie", Categorie)
    elif soort == "delen":
        check.kind("gegevens", str)
        for side in ("van", "naar"):
            ctx_obj = velden.get(side)
            if ctx_obj is None and side == "van":
                continue
            sub = _Check(ctx, _keys(ctx, ctx_obj, {"taak", "wet"}, f"{what}.{side}", at), what, at)
            sub.enum("taak", Taak)
            sub.enum("wet", Wet, required=False)
        om = velden.get("omstandigheden") or {}
        for key in om:
            if key in AFGELEID:
                ctx.error(
                    om.line_of(key) if isinstance(om, Located) else at,
                    f"{what}: omstandigheden.{key} follows from the timeline; "
                    f"record {AFGELEID[key]} instead",
                )
                raise _Missing
    elif soort == "verzoek":
        sub = _Check(
            ctx, _keys(ctx, velden.get("van"), {"taak", "wet"}, f"{what}.van", at), what, at
        )
        sub.enum("taak", Taak)
    elif soort == "toestemming":
        check.enum("naar", Taak)
        check.enum("categorie", Categorie, required=False)
        check.choice("stand", STANDEN)
    elif soort == "informeren":
        check.enum("over", Taak)
        check.choice("wie", WIE)
    verwacht = _keys(ctx, obj.get("verwacht") or Located(), {"oordeel", "gemist"}, what, at)
    oordeel = verwacht.get("oordeel")
    if oordeel is not None:
        _enum(ctx, Oordeel, oordeel, verwacht.line_of("oordeel"), f"{what}.verwacht")
    gemist = verwacht.get("gemist") or []
    from .tijdsplichten import IDS

    for g in gemist if isinstance(gemist, list) else [gemist]:
        if g not in IDS:
            ctx.error(
                verwacht.line_of("gemist"),
                f"{what}.verwacht: unknown duty {echo(g)}{suggest(g, list(IDS))}",
            )
            raise _Missing
    return Gebeurtenis(
        nummer,
        soort,
        dict(velden),
        " ".join(str(obj.get("omschrijving", "")).split()),
        oordeel,
        tuple(gemist),
        obj.line,
    )


class _Check:
    """Field checks of one event, each a file:line problem (with did-you-mean)."""

    def __init__(self, ctx: _Ctx, obj: Located, what: str, line: int) -> None:
        self.ctx, self.obj, self.what, self.line = ctx, obj, what, line

    def kind(self, key: str, kind: type) -> None:
        _get(self.ctx, self.obj, key, kind, self.what)

    def choice(self, key: str, allowed: tuple[str, ...]) -> None:
        value = _get(self.ctx, self.obj, key, str, self.what)
        if value not in allowed:
            self.ctx.error(
                self.obj.line_of(key),
                f"{self.what}: {key}: unknown value {echo(value)}"
                f"{suggest(value, list(allowed))}; allowed: {', '.join(allowed)}",
            )
            raise _Missing

    def enum(self, key: str, enum: Any, required: bool = True) -> None:
        value = _get(self.ctx, self.obj, key, str, self.what, required=required)
        if value is not None:
            _enum(self.ctx, enum, value, self.obj.line_of(key), f"{self.what}: {key}")
        if key == "wet" and value is not None and self.obj.get("taak") not in WET_TAKEN:
            self.ctx.error(
                self.obj.line_of(key),
                f"{self.what}: only {', '.join(sorted(WET_TAKEN))} name a wet",
            )
            raise _Missing


# -- checking ---------------------------------------------------------------------------


class Checker:
    """Runs a casus against a rulebook and its temporal duties."""

    def __init__(
        self,
        rulebook: Rulebook,
        tijdsplichten: dict[str, Tijdsplicht] | None = None,
        lang: str = "nl",
    ) -> None:
        self.rb = rulebook
        self.duties = tijdsplichten or load_tijdsplichten(rulebook.specs)
        self.lang = lang
        sets = rulebook.specs.verzamelingen
        self.behandel = sets["behandelcategorieen"][1] if "behandelcategorieen" in sets else ()

    def status(self, pid: str, status: str) -> Plichtstatus:
        d = self.duties[pid]
        return Plichtstatus(pid, status, d.tekst.get(self.lang), d.bronnen)

    def run(self, casus: Casus) -> Casusverslag:
        t = Tijdlijn()
        items: dict[
            str, dict[str, Any]
        ] = {}  # id -> {categorie, plaatsen: {(taak, wet): kende_rol}}
        reports: list[Stapverslag] = []
        pending: list[tuple[Stapverslag, str, frozenset[str]]] = []  # verwijsindex informing
        for g in casus.gebeurtenissen:
            rep = Stapverslag(g)
            reports.append(rep)
            v = g.velden
            if g.soort in ("route", "rol"):
                t.rol = {"taak": v["taak"], "wet": v.get("wet")}
                t.rol_benoemd = bool(v["benoemd"])
                rep.plichten.append(
                    self.status("rol-benoemen", "voldaan" if v["benoemd"] else "gemist")
                )
            elif g.soort == "vastleggen":
                if t.rol is None:
                    rep.overtredingen.append(
                        "nog geen rol: leg gegevens vast na een 'route' of 'rol'"
                    )
                    continue
                item = items.setdefault(
                    v["gegevens"], {"categorie": v["categorie"], "plaatsen": {}}
                )
                item["plaatsen"][(t.rol["taak"], t.rol["wet"])] = t.rol_benoemd
            elif g.soort == "toestemming":
                t.toestemming[(v["naar"], v.get("categorie"))] = (v["stand"], g.nummer)
            elif g.soort == "informeren":
                t.geinformeerd.append((v["wie"], v["over"], g.nummer))
            elif g.soort == "verzoek":
                t.verzoeken[v["van"]["taak"]] = g.nummer
            elif g.soort == "delen":
                self._delen(casus, g, rep, t, items, pending)
        for rep, taak, wie in pending:
            ok = t.informed_any(taak, wie)
            rep.plichten.append(
                self.status("verwijsindex-jeugdige-informeren", "voldaan" if ok else "gemist")
            )
            if not ok:
                rep.overtredingen.append(
                    "de melding in de Verwijsindex is niet meegedeeld aan: "
                    + ", ".join(sorted(wie))
                )
        for rep in reports:
            for p in rep.plichten:
                msg = f"tijdsplicht gemist: {p.id}"
                if p.status == "gemist" and msg not in rep.overtredingen:
                    rep.overtredingen.append(msg)
        return Casusverslag(casus, tuple(reports))

    def _would_need_informing(self, flow: dict[str, Any]) -> bool:
        """Whether the step would carry the duty to inform beforehand had the resident not
        been told and no weighty reasons applied (so that the duty was met, not absent)."""
        om = flow["omstandigheden"]
        if om["inwoner_geinformeerd"] != "vooraf" and not om.get("zwaarwegende_redenen"):
            return False
        bare = {**om, "inwoner_geinformeerd": "niet", "zwaarwegende_redenen": False}
        decision = self.rb.decide(flow_from_json({**flow, "omstandigheden": bare}))
        return "inwoner_vooraf_informeren" in decision.plicht_codes

    def _delen(
        self,
        casus: Casus,
        g: Gebeurtenis,
        rep: Stapverslag,
        t: Tijdlijn,
        items: dict[str, dict[str, Any]],
        pending: list[tuple[Stapverslag, str, frozenset[str]]],
    ) -> None:
        v = g.velden
        item = items.get(v["gegevens"])
        if item is None:
            rep.overtredingen.append(f"onbekende gegevens {v['gegevens']!r}: leg ze eerst vast")
            return
        plaatsen = item["plaatsen"]
        if "van" in v:
            van = (v["van"]["taak"], v["van"].get("wet"))
            if van not in plaatsen:
                rep.overtredingen.append(f"de gegevens {v['gegevens']!r} staan niet in {van[0]}")
                return
        else:
            van = next(iter(plaatsen))
        naar = v["naar"]
        cat = item["categorie"]
        consent = t.consent(naar["taak"], cat)
        toestemming = "niet_gevraagd"
        if consent is not None:
            toestemming = "gegeven" if consent[0] == "gegeven" else "geweigerd"
        om = dict(v.get("omstandigheden") or {})
        om.update(
            toestemming=toestemming,
            inwoner_geinformeerd="vooraf" if t.informed_before(naar["taak"]) else "niet",
            desgevraagd=t.verzoeken.pop(naar["taak"], None) is not None,
            inwoner_kende_rol=plaatsen[van],
        )
        flow = {
            "gegevens": {"categorie": cat, "betrokkene": casus.betrokkene},
            "van": {k: x for k, x in (("taak", van[0]), ("wet", van[1])) if x is not None},
            "naar": dict(naar),
            "professional": {**casus.professional, **(v.get("professional") or {})},
            "omstandigheden": om,
        }
        try:
            decision = self.rb.decide(flow_from_json(flow), self.lang)
        except InvalidInput as exc:
            raise SpecError(
                [f"{casus.bestand}:{g.regel}: gebeurtenis {g.nummer}: {p}" for p in exc.problems]
            ) from None
        rep.stroom = flow_to_json(flow_from_json(flow))
        rep.beslissing = decision
        if decision.oordeel not in PERMITS:
            rep.overtredingen.append(f"de verstrekking is {decision.oordeel.value}")
        # the copy in the receiving task is that task's data, and keeps the label of how
        # it was obtained (D66)
        plaatsen.setdefault((naar["taak"], naar.get("wet")), plaatsen[van])
        codes = set(decision.plicht_codes)
        if cat in self.behandel and naar["taak"] in REGIETAKEN:
            ok = toestemming == "gegeven"
            rep.plichten.append(
                self.status(
                    "toestemming-voor-behandelgegevens-naar-regie", "voldaan" if ok else "gemist"
                )
            )
        if "inwoner_vooraf_informeren" in codes:
            rep.plichten.append(self.status("vooraf-informeren-of-bespreken", "gemist"))
        elif self._would_need_informing(flow):
            rep.plichten.append(self.status("vooraf-informeren-of-bespreken", "voldaan"))
        if "jeugdige_informeren" in codes:
            pending.append((rep, naar["taak"], addressees(casus.betrokkene.get("leeftijd"))))
        if consent is not None and consent[0] == "ingetrokken":
            ok = decision.oordeel in PERMITS
            rep.plichten.append(
                self.status("ingetrokken-toestemming-bindt", "voldaan" if ok else "gemist")
            )
        for code in decision.plicht_codes:
            if code not in ("inwoner_vooraf_informeren", "jeugdige_informeren"):
                text = self.rb.specs.plichten[code].tekst.get(self.lang)
                rep.plichten.append(Plichtstatus(code, "open", text))


def run_casus(
    path: str | Path,
    rulebook: Rulebook,
    shown: str | None = None,
    specs_dir: str | Path | None = None,
    lang: str = "nl",
) -> Casusverslag:
    """Load and check one casus file; the temporal duties come from ``specs_dir`` when
    it has a ``tijdsplichten.yaml`` (a changed copy of the specs), else the bundled ones."""
    duties = None
    if specs_dir is not None and (resolve_dirs(specs_dir)[0] / "tijdsplichten.yaml").is_file():
        duties = load_tijdsplichten(rulebook.specs, specs_dir)
    return Checker(rulebook, duties, lang).run(load_casus(path, rulebook, shown))


def bundled_casussen(rulebook_specs_dir: Path) -> dict[str, Path]:
    """The shipped casus files by name (``specs/casussen/NAME.yaml``)."""
    folder = rulebook_specs_dir / "casussen"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}
