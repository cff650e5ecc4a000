"""The audit of an inrichting (``pettenlogic check --gemeente FILE``).

Each finding names its severity, the handreiking section, the choice in the file
(``file:line``), the rules involved and, where a flow shows the problem, a witness
flow found by Z3 inside the gemeente's kaders and replayed through the evaluator
(a disagreement is an internal error, never a silent finding). Local policies are
checked with the consistency checker restricted to the gemeente's own rules; a
local rule the law sets aside comes with an unsat core naming the rules why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import z3

from ..evaluate.interpreter import Evaluator
from ..model.convert import flow_from_json, flow_to_json
from ..model.fields import flow_fields
from ..model.keuzes import DossierSoort, Ernst, Organisatievorm, RegieDoel, RegieVanuit, RouteD
from ..model.vocabulary import TAAKGROEP, Oordeel, Taak, Taakgroep, Wet
from ..rules.spec import Specs
from ..solver.check import Checker, Finding
from ..solver.compiler import Compiled
from ..solver.guard import serialized
from ..solver.kern import set_aside_core
from ..solver.prove import InternalMismatch
from ..solver.sorts import FlowVars
from .inrichting import Dossier, Gemeente
from .narrow import kaders, local_rule_ids

ORDER = {Ernst.FOUT: 0, Ernst.WAARSCHUWING: 1, Ernst.INFO: 2}
NOT_PERMITTED = (Oordeel.VERBODEN, Oordeel.NIET_TOEGESTAAN)
BEHANDEL = ("behandelgegevens", "diagnose", "behandelplan")
#: circumstances of a routine flow: every default, except that the flow is judged
#: necessary and the resident was told beforehand (the best case a dossier right
#: or a choice can rely on without case-specific facts)
ROUTINE = {"omstandigheden.noodzakelijk": True, "omstandigheden.inwoner_geinformeerd": "vooraf"}


@attrs.frozen
class Bevinding:
    """One audit finding."""

    soort: str
    ernst: Ernst
    sectie: str
    keuze: str
    waar: str
    bericht: str
    regels: tuple[str, ...] = ()
    getuige: dict[str, Any] | None = None
    beslissing: dict[str, Any] | None = None
    vergelijk: dict[str, Any] | None = None
    kern: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "soort": self.soort,
            "ernst": self.ernst.value,
            "sectie": self.sectie,
            "keuze": self.keuze,
            "waar": self.waar,
            "bericht": self.bericht,
            "regels": list(self.regels),
            "getuige": self.getuige,
            "beslissing": self.beslissing,
            "vergelijk": self.vergelijk,
            "kern": list(self.kern),
        }


def _short(decision: Any) -> dict[str, Any]:
    return {"oordeel": decision.oordeel.value, "regels": list(decision.regels)}


class Audit:
    """Runs every check of one inrichting against one rule set (with its local policy)."""

    def __init__(self, gemeente: Gemeente, specs: Specs, timeout_s: float | None = None) -> None:
        self.g = gemeente
        self.inr = gemeente.inrichting
        self.specs = specs
        self.checker = Checker(specs, timeout_s)
        self.c: Compiled = self.checker.c
        self.fv: FlowVars = self.checker.fv
        self.kaders = kaders(gemeente, specs)
        self.checker.solver.add(*(self.c.ec.compile(k.als) for k in self.kaders))
        self.evaluator = Evaluator(specs)
        self.found: list[Bevinding] = []

    # -- building blocks ---------------------------------------------------------------
    def routine(self, fv: FlowVars, c: Compiled, **override: Any) -> list[z3.BoolRef]:
        """Every circumstance at its default (``ROUTINE`` and ``override`` aside)."""
        fixed = {**ROUTINE, **{f"omstandigheden.{k}": v for k, v in override.items()}}
        out = []
        for path, spec in flow_fields().items():
            if not path.startswith("omstandigheden."):
                continue
            value = fixed.get(path, spec.default)
            out.append(c.ec.equals(path, getattr(value, "value", value)))
        return out

    def taak_in(self, side: str, taken: Iterable[Taak], c: Compiled | None = None) -> z3.BoolRef:
        c = c or self.c
        return z3.Or([c.ec.equals(f"{side}.taak", t.value) for t in taken])

    def categorie_in(self, cats: Iterable[str], c: Compiled | None = None) -> z3.BoolRef:
        c = c or self.c
        return z3.Or([c.ec.equals("gegevens.categorie", v) for v in cats])

    def not_permitted(self, c: Compiled | None = None) -> z3.BoolRef:
        c = c or self.c
        return z3.Or([c.is_verdict[o] for o in NOT_PERMITTED])

    def witness(self, *conds: z3.BoolRef) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """A flow inside the kaders meeting ``conds``, with the evaluator's decision."""
        flow = self.checker.witness(*conds)
        if flow is None:
            return None
        return flow, _short(self.replay(flow, conds))

    def replay(self, flow: dict[str, Any], conds: tuple[z3.BoolRef, ...] = ()) -> Any:
        """The evaluator's decision on a Z3 witness; it must meet the same verdict terms."""
        decision = self.evaluator.decide(flow_from_json(flow))
        s = z3.Solver()
        s.add(*self.fv.well_formed())
        s.add(*(v == val for v, val in self.fv.assignment(flow_from_json(flow))))
        s.add(self.c.verdict == self.c.oordeel_sort.const(decision.oordeel.value), *conds)
        if s.check() != z3.sat:
            raise InternalMismatch(
                f"audit: the evaluator says {decision.oordeel.value} on a Z3 witness that "
                f"should meet other conditions: {flow}"
            )
        return decision

    def add(
        self, soort: str, ernst: Ernst, sectie: str, keuze: str, bericht: str, **kw: Any
    ) -> None:
        self.found.append(Bevinding(soort, ernst, sectie, keuze, self.g.waar(keuze), bericht, **kw))

    def add_witnessed(
        self, soort: str, sectie: str, keuze: str, bericht: str, found: Any, **kw: Any
    ) -> None:
        flow, decision = found if found is not None else (None, None)
        regels = tuple(decision["regels"]) if decision else ()
        self.add(
            soort,
            Ernst.FOUT,
            sectie,
            keuze,
            bericht,
            regels=regels,
            getuige=flow,
            beslissing=decision,
            **kw,
        )

    # -- the checks ----------------------------------------------------------------------
    def run(self) -> list[Bevinding]:
        self.required_choices()
        self.separation()
        self.regie()
        self.route_d()
        self.read_rights()
        self.mandates()
        self.policy()
        return sorted(self.found, key=lambda b: (ORDER[b.ernst], self.g.line(b.keuze), b.soort))

    def required_choices(self) -> None:
        inr = self.inr
        if inr.organisatie.vorm is None:
            self.add(
                "keuze_ontbreekt",
                Ernst.FOUT,
                "1.2",
                "organisatie.vorm",
                "no organisation form: it decides who carries out the college's tasks as "
                "verwerker and who is controller of the hulpverlening (the employer itself "
                "never decides a flow, so no flow depends on it)",
            )
        youth = Wet.JEUGDWET in inr.taken.toeleiding or Taak.JEUGDHULP in inr.taken.hulpverlening
        if youth and inr.routes.b_jeugd is None:
            self.choice_matters(
                "routes.b_jeugd",
                "2.3",
                "route b for youth not chosen: the first conversations are either toeleiding "
                "(college) or vrij toegankelijke jeugdhulp (aanbieder, beroepsgeheim)",
                (Taak.TOELEIDING, Wet.JEUGDWET),
                (Taak.JEUGDHULP, None),
            )
        if inr.routes.d.keuze is None:
            self.choice_matters(
                "routes.d.keuze",
                "2.5",
                "route d (vraagverheldering) has no keuze 1, 2 or 3: a professional cannot "
                "know whether the conversation is toeleiding or hulpverlening",
                (Taak.TOELEIDING, Wet.WMO),
                (Taak.MAATSCHAPPELIJK_WERK, None),
            )
        regie = inr.taken.regie
        if regie is not None and regie.vanuit is None:
            self.choice_matters(
                "taken.regie.vanuit",
                "1.6",
                "the team does regie but the file does not say from which task; that task "
                "decides the legal frame and the controller",
                (Taak.REGIE_TOELEIDING, Wet.JEUGDWET),
                (Taak.REGIE_HULPVERLENING, Wet.JEUGDWET),
            )
        if regie is not None and regie.doel is None:
            self.add(
                "keuze_ontbreekt",
                Ernst.FOUT,
                "2.12",
                "taken.regie",
                "the purpose of the regie is not given; it decides where the regie dossier "
                "belongs and who may read it",
            )
        held = {t for d in inr.dossiers for t in d.taken}
        for t in sorted(inr.team_taken() - held):
            self.add(
                "dossier_ontbreekt",
                Ernst.FOUT,
                "2.12",
                "dossiers",
                f"no dossier holds the data of the team's task {t.value}",
            )

    def choice_matters(
        self,
        keuze: str,
        sectie: str,
        bericht: str,
        a: tuple[Taak, Wet | None],
        b: tuple[Taak, Wet | None],
    ) -> None:
        """A missing choice, witnessed by two flows that differ only in the task the
        choice would fix and get different verdicts."""
        found = self.pair_witness(a, b)
        kw: dict[str, Any] = {}
        if found is not None:
            (fa, da), (fb, db) = found
            kw = {
                "getuige": fa,
                "beslissing": da,
                "vergelijk": {"getuige": fb, "beslissing": db},
                "regels": tuple(dict.fromkeys([*da["regels"], *db["regels"]])),
            }
        self.add("keuze_ontbreekt", Ernst.FOUT, sectie, keuze, bericht, **kw)

    def pair_witness(
        self, a: tuple[Taak, Wet | None], b: tuple[Taak, Wet | None]
    ) -> tuple[tuple[dict[str, Any], dict[str, Any]], ...] | None:
        fa, fb = FlowVars("a."), FlowVars("b.")
        ca, cb = Compiled(self.specs, fa), Compiled(self.specs, fb)
        s = z3.Solver()
        s.set("timeout", 20_000)
        s.add(*fa.well_formed(), *fb.well_formed(), *self.routine(fa, ca))
        for path in fa.fields:
            if not path.startswith("van."):
                s.add(fa[path] == fb[path])
                if path in fa.known:
                    s.add(fa.known[path] == fb.known[path])
        for (taak, wet), c in ((a, ca), (b, cb)):
            s.add(c.ec.equals("van.taak", taak.value), c.ec.equals("van.wet", wet and wet.value))
        s.add(ca.verdict != cb.verdict)
        if s.check() != z3.sat:
            return None
        m = s.model()
        out = []
        for fv in (fa, fb):
            flow = flow_to_json(flow_from_json(fv.flow_json(m)))
            out.append((flow, _short(self.evaluator.decide(flow_from_json(flow)))))
        if out[0][1]["oordeel"] == out[1][1]["oordeel"]:
            raise InternalMismatch(f"audit: Z3 and the evaluator disagree on {out}")
        return tuple(out)

    def separation(self) -> None:
        inr = self.inr
        if not inr.beide_kanten():
            return
        help_tasks = [t for t in inr.team_taken() if TAAKGROEP[t] is Taakgroep.HULPVERLENING]
        college = [t for t in inr.team_taken() if TAAKGROEP[t] is Taakgroep.COLLEGE]
        for i, d in enumerate(inr.dossiers):
            groups = {TAAKGROEP[t] for t in d.taken}
            if {Taakgroep.COLLEGE, Taakgroep.HULPVERLENING} <= groups:
                sides = [t for t in d.taken if TAAKGROEP[t] is Taakgroep.HULPVERLENING]
                to = [t for t in d.taken if TAAKGROEP[t] is Taakgroep.COLLEGE]
                self.add_witnessed(
                    "dossiers_niet_gescheiden",
                    "2.12",
                    f"dossiers[{i}].taken",
                    f"dossier {d.naam!r} mixes toeleiding and hulpverlening; this flow, which "
                    "the law does not permit, would happen just by reading it",
                    self.leak(sides, to, d),
                )
        if not inr.autorisatie.per_dossier:
            self.add_witnessed(
                "autorisatie_niet_per_dossier",
                "2.12",
                "autorisatie.per_dossier",
                "the team does toeleiding and hulpverlening but access is not authorised per "
                "dossier; a toeleider could read this hulpverlening data",
                self.leak(help_tasks, college, None),
            )

    def leak(self, van: list[Taak], naar: list[Taak], d: Dossier | None) -> Any:
        """A routine flow from ``van`` to ``naar`` (categories of ``d``) the law does not permit."""
        cats = [c.value for c in (d.mag_bevatten() if d else ())] or None
        conds = [self.taak_in("van", van), self.taak_in("naar", naar), self.not_permitted()]
        if cats:
            conds.append(self.categorie_in(cats))
        return self.witness(*conds, *self.routine(self.fv, self.c))

    def regie(self) -> None:
        inr, regie = self.inr, self.inr.taken.regie
        if (
            regie is not None
            and regie.vanuit is RegieVanuit.TOELEIDING
            and (regie.doel is RegieDoel.AFSTEMMING)
        ):
            self.add_witnessed(
                "regie_doel",
                "2.11",
                "taken.regie.doel",
                "regie from the toeleidingstaak is limited to monitoring the granted provisions; "
                "content alignment between care trajectories belongs to a hulpverlener",
                self.witness(
                    self.c.ec.equals("van.taak", "regie_toeleiding"),
                    self.taak_in("naar", [Taak.JEUGDHULP, Taak.MAATSCHAPPELIJK_WERK]),
                    self.categorie_in(BEHANDEL),
                    self.not_permitted(),
                    *self.routine(self.fv, self.c),
                ),
            )
        for i, d in enumerate(inr.dossiers):
            if d.soort is not DossierSoort.REGIE:
                continue
            college = [t for t in d.taken if TAAKGROEP[t] is Taakgroep.COLLEGE]
            toeleiding_side = college or (
                regie is not None and regie.vanuit is RegieVanuit.TOELEIDING
            )
            treat = [c.value for c in d.mag_bevatten() if c.value in BEHANDEL]
            if not toeleiding_side or not treat:
                continue
            naar = college or [Taak.REGIE_TOELEIDING]
            hulp = [t for t in Taak if TAAKGROEP[t] is Taakgroep.HULPVERLENING]
            self.add_witnessed(
                "regiedossier_behandelgegevens",
                "2.12",
                f"dossiers[{i}]",
                f"regie dossier {d.naam!r} sits on the toeleiding side yet may hold "
                f"{', '.join(treat)}; such data may not reach it",
                self.witness(
                    self.taak_in("van", hulp),
                    self.taak_in("naar", naar),
                    self.categorie_in(treat),
                    self.not_permitted(),
                    *self.routine(self.fv, self.c),
                ),
            )

    def route_d(self) -> None:
        d = self.inr.routes.d
        if d.keuze is RouteD.HULPVERLENING and not d.instemming_inwoner:
            self.add_witnessed(
                "keuze2_zonder_instemming",
                "2.5",
                "routes.d.instemming_inwoner",
                "keuze 2 (vraagverheldering as hulpverlening) is only possible with the "
                "resident's consent; without it the conversation is toeleiding, and what was "
                "gathered as hulpverlening does not simply reach the toeleiding",
                self.witness(
                    self.taak_in("van", [Taak.JEUGDHULP, Taak.MAATSCHAPPELIJK_WERK]),
                    self.taak_in("naar", [Taak.TOELEIDING]),
                    self.not_permitted(),
                    *self.routine(self.fv, self.c, toestemming="geweigerd"),
                ),
            )

    def read_rights(self) -> None:
        inr = self.inr
        for i, recht in enumerate(inr.autorisatie.lezen):
            for j, naam in enumerate(recht.dossiers):
                d = inr.dossier(naam)
                others = [t for t in (d.taken if d else ()) if t is not recht.rol]
                if d is None or not others:
                    continue
                found = self.leak(others, [recht.rol], d)
                if found is not None:
                    self.add_witnessed(
                        "leesrecht_te_ruim",
                        "2.12",
                        f"autorisatie.lezen[{i}].dossiers[{j}]",
                        f"role {recht.rol.value} may read dossier {naam!r}, but its task may not "
                        "see all of it: the law does not permit this flow",
                        found,
                    )

    def mandates(self) -> None:
        inr = self.inr
        if inr.organisatie.vorm in (None, Organisatievorm.ONDERDEEL_GEMEENTE):
            return
        open_ = [w.value for w in inr.taken.toeleiding if not self.mandated(w)]
        if open_:
            self.add(
                "verwerker_niet_vastgelegd",
                Ernst.FOUT,
                "1.2",
                "mandaten",
                f"the team ({inr.organisatie.vorm.value}) does toeleiding for the college under "
                f"{', '.join(open_)}; the college stays controller, but no mandate with a "
                "verwerkersovereenkomst makes the team its verwerker",
            )
        for i, d in enumerate(inr.dossiers):
            if d.soort is DossierSoort.GEZIN and not d.per_gezinslid:
                self.add(
                    "gezinsdossier_niet_gesplitst",
                    Ernst.WAARSCHUWING,
                    "2.12",
                    f"dossiers[{i}]",
                    f"family dossier {d.naam!r} does not keep the family part apart from the "
                    "dossiers of the individual members",
                )

    def mandated(self, wet: Wet) -> bool:
        return any(
            m.taak is Taak.TOELEIDING
            and (not m.wetten or wet in m.wetten)
            and m.verwerkersovereenkomst
            for m in self.inr.mandaten
        )

    def policy(self) -> None:
        """The local policy: the checker's findings about the gemeente's own rules; every
        local rule the law sets aside is one finding, explained by an unsat core."""
        mine = set(local_rule_ids(self.g, self.specs))
        rules = tuple(r for r in self.specs.regels if r.id in mine)
        ch = self.checker
        ch.found.clear()
        ch.exceptions(rules)
        ch.dead_or_shadowed(rules)
        ch.conflicts(rules)
        ch.local(rules)
        self.dead_additions(mine)
        index = {r.id: i for i, r in enumerate(rules)}
        opzij: dict[str, list[Finding]] = {}
        for f in ch.found:
            own = next((r for r in f.regels if r in mine), None)
            if f.ernst == "info" or own is None:
                continue
            if f.soort == "lokaal_opzij":
                opzij.setdefault(own, []).append(f)
                continue
            self.from_checker(f, own, index[own], f.regels, f.bericht, f.getuige, f.kern)
        for own, found in opzij.items():
            by = [r for f in found for r in f.regels if r != own]
            flow = self.secrecy_witness(own) or found[0].getuige
            kern = set_aside_core(self.specs, own, flow) if flow else None
            bericht = (
                f"local rule {own} is set aside by the law or guidance on some flows "
                f"(by {', '.join(by)})"
            )
            if kern is not None:
                bericht += f"; on this flow: {', '.join(kern.opzij)} sets it aside"
            self.from_checker(
                None,
                own,
                index[own],
                (own, *by),
                bericht,
                flow,
                tuple(kern.to_list()) if kern else (),
            )

    def from_checker(
        self,
        f: Finding | None,
        own: str,
        i: int,
        regels: tuple[str, ...],
        bericht: str,
        flow: dict[str, Any] | None,
        kern: tuple[str, ...],
    ) -> None:
        regel = self.specs.regel(own)
        soort = f.soort if f is not None else "lokaal_opzij"
        ernst = Ernst(f.ernst) if f is not None else Ernst.FOUT
        self.found.append(
            Bevinding(
                soort,
                ernst,
                regel.sectie,
                f"beleid.regels[{i}]",
                str(regel.waar),
                bericht,
                regels=regels,
                getuige=flow,
                beslissing=_short(self.replay(flow)) if flow is not None else None,
                kern=kern,
            )
        )

    def dead_additions(self, mine: set[str]) -> None:
        """Local aanvullingen (extra duties) that are never attached."""
        for a in self.specs.aanvullingen:
            if (
                a.waar.file == self.g.bestand
                and self.checker.witness(self.c.aanvulling_used[a.id]) is None
            ):
                self.add(
                    "dood",
                    Ernst.FOUT,
                    a.sectie,
                    "beleid.aanvullingen",
                    f"local aanvulling {a.id} is never attached",
                    regels=(a.id,),
                )

    def secrecy_witness(self, rule_id: str) -> dict[str, Any] | None:
        """A flow on which the law sets ``rule_id`` aside under statutory secrecy, from a
        jeugdhulpverlener when there is one (the handreiking's own example, §3.12)."""
        c = self.c
        setaside = z3.And(c.effective[rule_id], z3.Not(c.active[rule_id]))
        secrecy = c.definitions.get("beroepsgeheim", z3.BoolVal(True))
        return self.checker.witness(
            setaside, secrecy, c.ec.equals("van.taak", Taak.JEUGDHULP.value)
        ) or self.checker.witness(setaside, secrecy)


@serialized
def audit(gemeente: Gemeente, specs: Specs, timeout_s: float | None = None) -> list[Bevinding]:
    """Every finding of the audit, most severe first."""
    return Audit(gemeente, specs, timeout_s).run()
