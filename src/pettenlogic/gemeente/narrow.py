"""How an inrichting narrows the rules: its kaders and what it tells a decision.

The inrichting does not fork the rules. It adds its local policy as ``lokaal`` rules
(same AST, same layers) and it narrows the *flows* that can occur in this gemeente
with **kaders**: conditions in the rule language, each produced by one choice
(e.g. regie from the hulpverlenerstaak: there is no regie from the toeleidingstaak).
``prove``, ``diff`` and the audit's witnesses range over flows inside the kaders;
``decide`` reports a flow outside them and the local choices that bore on it.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..decision import Decision
from ..evaluate.interpreter import Evaluator, Trace
from ..model.keuzes import Keuzegevolg, RegieVanuit, RouteD
from ..model.vocabulary import Taak
from ..rules.expr import Expr, Scope, parse_condition
from ..rules.spec import Specs
from .inrichting import Gemeente


@attrs.frozen
class Kader:
    """A condition every flow in this gemeente meets, and the choice it comes from."""

    keuze: str
    waarde: str
    als: Expr
    uitleg: str


@attrs.frozen
class Keuzenoot:
    """One local choice that bore on a decision (the decision's ``inrichting`` field)."""

    keuze: str
    waarde: str
    gevolg: Keuzegevolg
    uitleg: str
    waar: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "keuze": self.keuze,
            "waarde": self.waarde,
            "gevolg": self.gevolg.value,
            "uitleg": self.uitleg,
            "waar": self.waar,
        }


def scope(specs: Specs) -> Scope:
    return Scope(frozenset(d.naam for d in specs.definities), specs.verzamelingen)


def _values(items: Any) -> str:
    return "[" + ", ".join(repr(getattr(i, "value", i)) for i in items) + "]"


def kaders(gemeente: Gemeente, specs: Specs) -> tuple[Kader, ...]:
    """The kaders of an inrichting, parsed in the rule set's scope."""
    inr = gemeente.inrichting
    sc = scope(specs)
    out: list[tuple[str, str, str, str]] = []
    regie = inr.taken.regie
    rt = Taak.REGIE_TOELEIDING.value
    if regie is None or regie.vanuit is not RegieVanuit.TOELEIDING:
        waarde = "geen" if regie is None or regie.vanuit is None else regie.vanuit.value
        out.append(
            (
                "taken.regie.vanuit",
                waarde,
                f"van.taak != '{rt}' and naar.taak != '{rt}'",
                "de gemeente voert geen regie vanuit de toeleidingstaak",
            )
        )
    elif regie.wetten:
        wetten = _values(regie.wetten)
        out.append(
            (
                "taken.regie.wetten",
                ", ".join(w.value for w in regie.wetten),
                f"(van.taak != '{rt}' or van.wet in {wetten}) "
                f"and (naar.taak != '{rt}' or naar.wet in {wetten})",
                "regie vanuit de toeleiding alleen onder de gekozen wetten",
            )
        )
    if inr.routes.d.keuze is RouteD.DESKUNDIGENADVIES:
        out.append(
            (
                "routes.d.keuze",
                RouteD.DESKUNDIGENADVIES.value,
                "not (van.taak == 'deskundigenadvies' and naar.taak in collegetaken)"
                " or gegevens.categorie == 'advies_voorziening'",
                "bij keuze 3 ontvangt het college van de deskundige alleen het advies",
            )
        )
    return tuple(Kader(k, w, parse_condition(text, sc), u) for k, w, text, u in out)


def local_rule_ids(gemeente: Gemeente, specs: Specs) -> tuple[str, ...]:
    """Ids of the rules that come from the gemeente file (its local policy)."""
    return tuple(r.id for r in specs.regels if r.waar.file == gemeente.bestand)


def notes(
    gemeente: Gemeente, specs: Specs, evaluator: Evaluator, trace: Trace, decision: Decision
) -> tuple[Keuzenoot, ...]:
    """The local choices that bore on one decision, most decisive first."""
    out: list[Keuzenoot] = []
    lokaal = set(local_rule_ids(gemeente, specs))
    deciding = {r.id for r in trace.deciding}
    for rid in sorted(lokaal & trace.applies):
        regel = specs.regel(rid)
        if rid in deciding:
            gevolg, uitleg = Keuzegevolg.BESLISSEND, f"lokale regel {rid} besliste mee"
        elif rid not in trace.active:
            by = [h for r, h in (*trace.overridden, *trace.defeated) if r == rid]
            gevolg = Keuzegevolg.OPZIJ_GEZET
            uitleg = f"lokale regel {rid} is opzij gezet door {', '.join(by) or 'de wet'}"
        else:
            continue
        out.append(Keuzenoot(f"beleid.{rid}", regel.effect.value, gevolg, uitleg, str(regel.waar)))
    memo: dict[str, bool] = {}
    for k in kaders(gemeente, specs):
        if not evaluator._comp.compile(k.als)(trace.env, memo):
            out.append(
                Keuzenoot(
                    k.keuze,
                    k.waarde,
                    Keuzegevolg.BUITEN_INRICHTING,
                    k.uitleg,
                    gemeente.waar(k.keuze),
                )
            )
    out.extend(_frame_notes(gemeente, trace.env))
    return tuple(out)


def _frame_notes(gemeente: Gemeente, env: dict[str, Any]) -> list[Keuzenoot]:
    """Choices that fix the legal frame of a task this flow touches."""
    inr = gemeente.inrichting
    taken = {env["van.taak"], env["naar.taak"]}
    out: list[Keuzenoot] = []
    regie = inr.taken.regie
    if (
        regie is not None
        and regie.vanuit is not None
        and taken & {"regie_toeleiding", "regie_hulpverlening"}
    ):
        wie = "het college" if regie.vanuit is RegieVanuit.TOELEIDING else "de aanbieder"
        out.append(
            Keuzenoot(
                "taken.regie.vanuit",
                regie.vanuit.value,
                Keuzegevolg.KADER,
                f"het team voert regie vanuit de {regie.vanuit.value}staak; "
                f"verwerkingsverantwoordelijke is {wie}",
                gemeente.waar("taken.regie.vanuit"),
            )
        )
    for i, m in enumerate(inr.mandaten):
        if m.taak.value in taken:
            rol = "verwerker voor het college" if m.verwerkersovereenkomst else "uitvoerder"
            out.append(
                Keuzenoot(
                    f"mandaten[{i}]",
                    m.uitvoerder.value,
                    Keuzegevolg.KADER,
                    f"{m.uitvoerder.value} voert {m.taak.value} uit als {rol}; "
                    "het college blijft verwerkingsverantwoordelijke",
                    gemeente.waar(f"mandaten[{i}]"),
                )
            )
    keuze = inr.routes.d.keuze
    if keuze is not None:
        assigned = {
            RouteD.TOELEIDING: {"toeleiding"},
            RouteD.HULPVERLENING: {"jeugdhulp", "maatschappelijk_werk"},
            RouteD.DESKUNDIGENADVIES: {"deskundigenadvies"},
        }[keuze]
        if env["van.taak"] in assigned:
            out.append(
                Keuzenoot(
                    "routes.d.keuze",
                    keuze.value,
                    Keuzegevolg.KADER,
                    f"vraagverheldering (route d) valt in deze gemeente onder {env['van.taak']}",
                    gemeente.waar("routes.d.keuze"),
                )
            )
    return out
