"""Configuration synthesis: which inrichtingen are consistent, and the smallest repair.

The choices of an inrichting become finite Z3 variables (an enum or a boolean each).
What the law and the handreiking demand of them is written once as constraints
over those variables; where a constraint depends on the rules (may this role read
that dossier? does the law set this local rule aside?), the audit's Z3 queries over
all flows decide it first and the answer enters as a constant. Then

* **counting** enumerates the consistent combinations of the structural choices
  (organisation form, routes, regie, separation) with blocking clauses and
  multiplies in the independent yes/no choices (read rights, mandates), keeping the
  gemeente's local policy as given;
* **repair** is a MaxSAT problem (``z3.Optimize``): keep every written choice
  (a soft constraint of weight 1 each) subject to the constraints; the optimum is a
  *smallest* set of changes (an unsat-core guided search would give a minimal set,
  which need not be the smallest). Every proposed repair is applied to the file's
  inrichting and audited again before it is shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from enum import Enum
from typing import Any

import attrs
import z3

from ..model.keuzes import (
    DossierSoort,
    Ernst,
    Organisatievorm,
    RegieDoel,
    RegieVanuit,
    RouteB,
    RouteD,
)
from ..model.vocabulary import TAAKGROEP, Categorie, Taak, Taakgroep, Werkgever, Wet
from ..rules.spec import Specs
from ..solver.guard import serialized
from .audit import BEHANDEL, Audit
from .inrichting import Dossier, Gemeente, Inrichting, Leesrecht, Mandaat, Regie

#: most consistent structural combinations enumerated (the space has at most a few
#: thousand; the bound keeps a hostile file from making it long)
MAX_MODELS = 20_000
#: the cost of changing the organisation form in a repair (other choices cost 1)
WEIGHT_REORGANISATION = 5


@attrs.frozen
class Keuze:
    """One choice variable: its ``gemeente.yaml`` path, domain and the file's value."""

    pad: str
    domein: tuple[Any, ...]
    huidig: Any  # None: not chosen
    structureel: bool
    toepassen: Callable[[Inrichting, Any], Inrichting] = attrs.field(eq=False, repr=False)
    #: the cost of changing it in a repair (a reorganisation costs more than a record)
    gewicht: int = 1


@attrs.frozen
class Wijziging:
    pad: str
    van: Any
    naar: Any

    def to_dict(self) -> dict[str, Any]:
        return {"keuze": self.pad, "van": _show(self.van), "naar": _show(self.naar)}


@attrs.frozen
class Resultaat:
    gemeente: str
    aantal: int
    voorbeelden: tuple[dict[str, Any], ...]
    consistent: bool
    wijzigingen: tuple[Wijziging, ...]
    na_herstel: tuple[str, ...]  # findings left after the repair (should be none)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gemeente": self.gemeente,
            "aantal_consistent": self.aantal,
            "voorbeelden": list(self.voorbeelden),
            "consistent": self.consistent,
            "wijzigingen": [w.to_dict() for w in self.wijzigingen],
            "na_herstel": list(self.na_herstel),
        }

    def render(self) -> str:
        lines = [
            f"{self.gemeente}: {self.aantal} consistent combinations of choices "
            "(with the given local policy)"
        ]
        for i, ex in enumerate(self.voorbeelden, 1):
            lines.append(f"  example {i}: " + ", ".join(f"{k}={v}" for k, v in ex.items()))
        if self.consistent:
            lines.append("the file is consistent: no change needed")
        else:
            lines.append(f"smallest repair ({len(self.wijzigingen)} changes):")
            lines.extend(
                f"  - {w.pad}: {_show(w.van)} -> {_show(w.naar)}" for w in self.wijzigingen
            )
            if self.na_herstel:
                lines.append("  findings left after the repair: " + ", ".join(self.na_herstel))
        return "\n".join(lines)


def _show(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return "(niet gekozen)" if value is None else value


# -- the choice variables of one inrichting ------------------------------------------------
def _set(path: tuple[str, ...]) -> Callable[[Inrichting, Any], Inrichting]:
    """A setter for a nested attribute (creating nothing: the parents exist)."""

    def go(obj: Any, value: Any, rest: tuple[str, ...] = path) -> Any:
        head = rest[0]
        if len(rest) == 1:
            return attrs.evolve(obj, **{head: value})
        return attrs.evolve(obj, **{head: go(getattr(obj, head), value, rest[1:])})

    return go


def _set_regie(field: str) -> Callable[[Inrichting, Any], Inrichting]:
    def go(inr: Inrichting, value: Any) -> Inrichting:
        regie = inr.taken.regie or Regie()
        return attrs.evolve(
            inr, taken=attrs.evolve(inr.taken, regie=attrs.evolve(regie, **{field: value}))
        )

    return go


def _split(i: int) -> Callable[[Inrichting, Any], Inrichting]:
    """Split a mixed dossier into a college part and a hulpverlening part."""

    def go(inr: Inrichting, value: Any) -> Inrichting:
        if not value:
            return inr
        d = inr.dossiers[i]
        college = tuple(t for t in d.taken if TAAKGROEP[t] is Taakgroep.COLLEGE)
        rest = tuple(t for t in d.taken if t not in college)
        part = attrs.evolve(
            d, naam=f"{d.naam}-toeleiding", soort=DossierSoort.TOELEIDING, taken=college
        )
        dossiers = (*inr.dossiers[:i], attrs.evolve(d, taken=rest), *inr.dossiers[i + 1 :], part)
        lezen = tuple(
            attrs.evolve(
                r,
                dossiers=tuple(
                    f"{d.naam}-toeleiding"
                    if n == d.naam and TAAKGROEP[r.rol] is Taakgroep.COLLEGE
                    else n
                    for n in r.dossiers
                ),
            )
            for r in inr.autorisatie.lezen
        )
        return attrs.evolve(
            inr, dossiers=dossiers, autorisatie=attrs.evolve(inr.autorisatie, lezen=lezen)
        )

    return go


def _no_treatment(i: int) -> Callable[[Inrichting, Any], Inrichting]:
    def go(inr: Inrichting, value: Any) -> Inrichting:
        if not value:
            return inr
        d = inr.dossiers[i]
        cats = tuple(c for c in d.mag_bevatten() if c.value not in BEHANDEL)
        return attrs.evolve(
            inr,
            dossiers=(*inr.dossiers[:i], attrs.evolve(d, categorieen=cats), *inr.dossiers[i + 1 :]),
        )

    return go


def _drop_right(i: int, naam: str) -> Callable[[Inrichting, Any], Inrichting]:
    def go(inr: Inrichting, value: Any) -> Inrichting:
        if value:
            return inr
        lezen = list(inr.autorisatie.lezen)
        lezen[i] = attrs.evolve(lezen[i], dossiers=tuple(n for n in lezen[i].dossiers if n != naam))
        return attrs.evolve(inr, autorisatie=attrs.evolve(inr.autorisatie, lezen=tuple(lezen)))

    return go


def _mandate(wetten: tuple[Wet, ...], uitvoerder: Any) -> Callable[[Inrichting, Any], Inrichting]:
    """Record the team as verwerker for the college's toeleiding under ``wetten``."""

    def go(inr: Inrichting, value: Any) -> Inrichting:
        if not value:
            return inr
        kept = tuple(m for m in inr.mandaten if m.taak is not Taak.TOELEIDING)
        m = Mandaat(Taak.TOELEIDING, Werkgever(uitvoerder), wetten, True)
        return attrs.evolve(inr, mandaten=(*kept, m))

    return go


def _add_dossier(taak: Taak) -> Callable[[Inrichting, Any], Inrichting]:
    def go(inr: Inrichting, value: Any) -> Inrichting:
        if not value:
            return inr
        soort = (
            DossierSoort.TOELEIDING
            if TAAKGROEP[taak] is Taakgroep.COLLEGE
            else DossierSoort.HULPVERLENING
        )
        if taak in (Taak.REGIE_TOELEIDING, Taak.REGIE_HULPVERLENING):
            soort = DossierSoort.REGIE
        cats = None
        if soort is not DossierSoort.HULPVERLENING:
            cats = tuple(c for c in Categorie if c.value not in BEHANDEL)
        d = Dossier(f"dossier-{taak.value}", soort, (taak,), categorieen=cats)
        return attrs.evolve(inr, dossiers=(*inr.dossiers, d))

    return go


def _drop_policy(rule_id: str) -> Callable[[Inrichting, Any], Inrichting]:
    def go(inr: Inrichting, value: Any) -> Inrichting:
        if value or inr.beleid is None:
            return inr
        beleid = inr.beleid.__class__(inr.beleid)
        for key in ("line", "key_lines"):
            setattr(beleid, key, getattr(inr.beleid, key))
        beleid["regels"] = [r for r in inr.beleid.get("regels", []) if r.get("id") != rule_id]
        return attrs.evolve(inr, beleid=beleid)

    return go


_SORTS = itertools.count()

_UITVOERDER = {
    Organisatievorm.STICHTING: "wijkteamorganisatie",
    Organisatievorm.SAMENWERKINGSVERBAND: "aanbieder",
}


class Synthese:
    """The choice variables of one inrichting and the constraints on them."""

    def __init__(self, gemeente: Gemeente, specs: Specs) -> None:
        self.g, self.inr, self.specs = gemeente, gemeente.inrichting, specs
        self.audit = Audit(gemeente, specs)
        self.keuzes: list[Keuze] = []
        self.vars: dict[str, z3.ExprRef] = {}
        self.sorts: dict[str, tuple[z3.SortRef, dict[Any, z3.ExprRef]]] = {}
        self.constraints: list[z3.BoolRef] = []
        self.build()

    # -- variables -------------------------------------------------------------------
    def var(self, k: Keuze) -> z3.ExprRef:
        self.keuzes.append(k)
        if k.domein == (False, True):
            v = z3.Bool(f"keuze:{k.pad}")
        else:
            # Z3 sort names are global: number them, as every synthesis builds its own
            name = f"Keuze{next(_SORTS)}"
            sort, consts = z3.EnumSort(name, [str(_show(d)) for d in k.domein])
            self.sorts[k.pad] = (sort, dict(zip(k.domein, consts, strict=True)))
            v = z3.Const(f"keuze:{k.pad}", sort)
        self.vars[k.pad] = v
        return v

    def eq(self, pad: str, value: Any) -> z3.BoolRef:
        return self.vars[pad] == self.sorts[pad][1][value]

    def value(self, pad: str, model: z3.ModelRef) -> Any:
        v = model.eval(self.vars[pad], model_completion=True)
        if pad not in self.sorts:
            return z3.is_true(v)
        return next(d for d, c in self.sorts[pad][1].items() if z3.eq(c, v))

    def build(self) -> None:
        inr, a = self.inr, self.audit
        vorm = self.var(
            Keuze(
                "organisatie.vorm",
                tuple(Organisatievorm),
                inr.organisatie.vorm,
                True,
                _set(("organisatie", "vorm")),
                gewicht=WEIGHT_REORGANISATION,
            )
        )
        youth = Wet.JEUGDWET in inr.taken.toeleiding or Taak.JEUGDHULP in inr.taken.hulpverlening
        if youth:
            self.var(
                Keuze(
                    "routes.b_jeugd",
                    tuple(RouteB),
                    inr.routes.b_jeugd,
                    True,
                    _set(("routes", "b_jeugd")),
                )
            )
        self.var(
            Keuze(
                "routes.d.keuze",
                tuple(RouteD),
                inr.routes.d.keuze,
                True,
                _set(("routes", "d", "keuze")),
            )
        )
        instem = self.var(
            Keuze(
                "routes.d.instemming_inwoner",
                (False, True),
                inr.routes.d.instemming_inwoner,
                True,
                _set(("routes", "d", "instemming_inwoner")),
            )
        )
        self.constraints.append(z3.Implies(self.eq("routes.d.keuze", RouteD.HULPVERLENING), instem))
        regie = inr.taken.regie
        vanuit_toeleiding: z3.BoolRef = z3.BoolVal(False)
        if regie is not None:
            self.var(
                Keuze(
                    "taken.regie.vanuit",
                    tuple(RegieVanuit),
                    regie.vanuit,
                    True,
                    _set_regie("vanuit"),
                )
            )
            self.var(
                Keuze("taken.regie.doel", tuple(RegieDoel), regie.doel, True, _set_regie("doel"))
            )
            vanuit_toeleiding = self.eq("taken.regie.vanuit", RegieVanuit.TOELEIDING)
            self.constraints.append(
                z3.Implies(vanuit_toeleiding, self.eq("taken.regie.doel", RegieDoel.MONITORING))
            )
        college = bool(inr.taken.toeleiding) or any(
            TAAKGROEP[m.taak] is Taakgroep.COLLEGE for m in inr.mandaten
        )
        hulp = bool(inr.taken.hulpverlening)
        vanuit_hulp = z3.BoolVal(regie is not None) if regie is None else z3.Not(vanuit_toeleiding)
        both = z3.And(
            z3.Or(z3.BoolVal(college), vanuit_toeleiding), z3.Or(z3.BoolVal(hulp), vanuit_hulp)
        )
        per = self.var(
            Keuze(
                "autorisatie.per_dossier",
                (False, True),
                inr.autorisatie.per_dossier,
                True,
                _set(("autorisatie", "per_dossier")),
            )
        )
        self.constraints.append(z3.Implies(both, per))
        split: dict[str, z3.ExprRef] = {}
        for i, d in enumerate(inr.dossiers):
            groups = {TAAKGROEP[t] for t in d.taken}
            if {Taakgroep.COLLEGE, Taakgroep.HULPVERLENING} <= groups:
                split[d.naam] = self.var(
                    Keuze(f"dossiers[{i}].gesplitst", (False, True), False, True, _split(i))
                )
                self.constraints.append(z3.Implies(both, split[d.naam]))
            if d.soort is DossierSoort.REGIE:
                treat = any(c.value in BEHANDEL for c in d.mag_bevatten())
                v = self.var(
                    Keuze(
                        f"dossiers[{i}].zonder_behandelgegevens",
                        (False, True),
                        not treat,
                        True,
                        _no_treatment(i),
                    )
                )
                side = z3.BoolVal(any(TAAKGROEP[t] is Taakgroep.COLLEGE for t in d.taken))
                self.constraints.append(z3.Implies(z3.Or(side, vanuit_toeleiding), v))
        held = {t for d in inr.dossiers for t in d.taken}
        for t in sorted(inr.team_taken() - held):
            v = self.var(Keuze(f"dossiers+{t.value}", (False, True), False, False, _add_dossier(t)))
            self.constraints.append(v)
        for i, recht in enumerate(inr.autorisatie.lezen):
            for naam in recht.dossiers:
                gelezen = inr.dossier(naam)
                if gelezen is None:
                    continue
                v = self.var(
                    Keuze(
                        f"autorisatie.lezen[{i}]:{naam}",
                        (False, True),
                        True,
                        False,
                        _drop_right(i, naam),
                    )
                )
                self.constraints.append(
                    z3.Implies(v, self.may_read(recht, gelezen, split.get(naam)))
                )
        if inr.taken.toeleiding:
            uitvoerder = _UITVOERDER.get(
                inr.organisatie.vorm or Organisatievorm.STICHTING, "wijkteamorganisatie"
            )
            laws = inr.taken.toeleiding
            v = self.var(
                Keuze(
                    "mandaten+toeleiding",
                    (False, True),
                    all(a.mandated(w) for w in laws),
                    False,
                    _mandate(laws, uitvoerder),
                )
            )
            gemeente_zelf = (
                vorm == self.sorts["organisatie.vorm"][1][Organisatievorm.ONDERDEEL_GEMEENTE]
            )
            self.constraints.append(z3.Implies(z3.Not(gemeente_zelf), v))
        bad = self.inconsistent_policy()
        for rid in _policy_ids(inr):
            v = self.var(Keuze(f"beleid:{rid}", (False, True), True, False, _drop_policy(rid)))
            if rid in bad:
                self.constraints.append(z3.Not(v))

    def may_read(self, recht: Leesrecht, d: Dossier, split: z3.ExprRef | None) -> z3.BoolRef:
        """Whether the role may read the dossier: no routine flow from the dossier's other
        tasks to the role's task is forbidden (after a split: from its own side only)."""

        def ok(taken: list[Taak]) -> bool:
            others = [t for t in taken if t is not recht.rol]
            return not others or self.audit.leak(others, [recht.rol], d) is None

        whole = ok(list(d.taken))
        if split is None:
            return z3.BoolVal(whole)
        side = [t for t in d.taken if TAAKGROEP[t] is TAAKGROEP[recht.rol]]
        return z3.If(split, z3.BoolVal(ok(side)), z3.BoolVal(whole))

    def inconsistent_policy(self) -> set[str]:
        """Local rules with an error finding of the audit (set aside, dead, ...)."""
        self.audit.found.clear()
        self.audit.policy()
        return {r for b in self.audit.found if b.ernst is Ernst.FOUT for r in b.regels[:1]}

    # -- the two questions ---------------------------------------------------------------
    def count(self, examples: int) -> tuple[int, tuple[dict[str, Any], ...]]:
        structural = [k for k in self.keuzes if k.structureel]
        others = [k for k in self.keuzes if not k.structureel]
        s = z3.Solver()
        s.add(*self.constraints)
        for k in others:  # the given local policy stays as written
            if k.pad.startswith("beleid:"):
                s.add(self.vars[k.pad])
        mine = {
            k.pad: [c for c in self.constraints if _mentions(c, self.vars[k.pad])] for k in others
        }
        total, models = 0, 0
        shown: list[dict[str, Any]] = []
        while models < MAX_MODELS and s.check() == z3.sat:
            models += 1
            m = s.model()
            values = {k.pad: self.value(k.pad, m) for k in structural}
            total += self.free_factor(m, others, mine)
            if len(shown) < examples:
                shown.append({p: _show(v) for p, v in values.items()})
            s.add(
                z3.Or([self.vars[p] != m.eval(self.vars[p], model_completion=True) for p in values])
            )
        return total, tuple(shown)

    def free_factor(
        self, m: z3.ModelRef, others: list[Keuze], mine: dict[str, list[z3.BoolRef]]
    ) -> int:
        """How many values of the non-structural choices fit one structural combination
        (each of them is constrained only together with structural choices)."""
        factor = 1
        for k in others:
            v = self.vars[k.pad]
            options = [True] if k.pad.startswith("beleid:") else [False, True]
            factor *= sum(
                all(
                    z3.is_true(
                        m.eval(z3.substitute(c, (v, z3.BoolVal(val))), model_completion=True)
                    )
                    for c in mine[k.pad]
                )
                for val in options
            )
        return factor

    def repair(self) -> tuple[Wijziging, ...]:
        opt = z3.Optimize()
        opt.add(*self.constraints)
        for k in self.keuzes:
            if k.huidig is not None:
                current = (
                    self.sorts[k.pad][1][k.huidig] if k.pad in self.sorts else z3.BoolVal(k.huidig)
                )
                opt.add_soft(self.vars[k.pad] == current, k.gewicht)
        if opt.check() != z3.sat:  # pragma: no cover - the constraints always leave a way out
            raise RuntimeError("no consistent inrichting exists for these tasks")
        m = opt.model()
        out = []
        for k in self.keuzes:
            new = self.value(k.pad, m)
            if new != k.huidig:
                out.append(Wijziging(k.pad, k.huidig, new))
        return tuple(out)

    def apply(self, changes: tuple[Wijziging, ...]) -> Inrichting:
        by_pad = {k.pad: k for k in self.keuzes}
        inr = self.inr
        # list edits by index last, from the back, so earlier indices stay valid
        for w in sorted(
            changes, key=lambda w: w.pad.startswith("dossiers[") and w.pad.endswith("gesplitst")
        ):
            inr = by_pad[w.pad].toepassen(inr, w.naar)
        return inr


def _mentions(term: z3.ExprRef, var: z3.ExprRef) -> bool:
    todo = [term]
    while todo:
        t = todo.pop()
        if z3.eq(t, var):
            return True
        todo.extend(t.children())
    return False


def _policy_ids(inr: Inrichting) -> list[str]:
    beleid = inr.beleid
    regels = beleid.get("regels", []) if beleid is not None else []
    return [r["id"] for r in regels if isinstance(r, dict) and isinstance(r.get("id"), str)]


@serialized
def synthesise(gemeente: Gemeente, specs: Specs, examples: int = 3) -> Resultaat:
    """Count the consistent inrichtingen and propose (and verify) the smallest repair."""
    from .audit import audit
    from .loader import gemeente_specs

    syn = Synthese(gemeente, specs)
    aantal, voorbeelden = syn.count(examples)
    changes = syn.repair()
    left: tuple[str, ...] = ()
    if changes:
        repaired = attrs.evolve(gemeente, inrichting=syn.apply(changes))
        fixed = audit(repaired, gemeente_specs(repaired))
        left = tuple(f"{b.soort} ({b.waar})" for b in fixed if b.ernst is not Ernst.INFO)
    return Resultaat(gemeente.inrichting.gemeente, aantal, voorbeelden, not changes, changes, left)
