"""Werkinstructies: the handreiking's overview table (§2.6–§2.11), regenerated from the rules.

For each task of the table the columns are *computed*, not written: the controller
from the rules' toekenningen, statutory secrecy from the ``beroepsgeheim``
definition (per registration), and what may be shared with whom from the verdicts
of routine flows (necessary, resident told beforehand, no consent) to every other
task, with the duties those verdicts attach. With a gemeente, only its team's tasks
are listed, the rule set includes its local policy, flows outside its kaders are
left out, and each row says how the gemeente arranged the task.
"""

from __future__ import annotations

import html
from typing import Any

import attrs

from ..evaluate.interpreter import Evaluator
from ..model.convert import flow_from_json
from ..model.vocabulary import TAKEN_MET_WET, Oordeel, Registratie, Taak, Wet
from ..rules.spec import Specs
from .inrichting import Gemeente
from .narrow import kaders

#: the rows of the handreiking's table: (section, tasks, role of the employee)
ROWS: tuple[tuple[str, tuple[Taak, ...], str], ...] = (
    ("2.6", (Taak.TOELEIDING,), "toeleider namens het college"),
    ("2.7", (Taak.JEUGDHULP,), "jeugdhulpverlener"),
    (
        "2.8",
        (Taak.MAATSCHAPPELIJK_WERK, Taak.REINTEGRATIE, Taak.SCHULDHULPVERLENING),
        "hulpverlener, re-integratiemedewerker, schuldhulpverlener",
    ),
    ("2.9", (Taak.BEGELEIDING_PLAN_VAN_AANPAK,), "begeleider Participatiewet"),
    ("2.10", (Taak.REGIE_HULPVERLENING,), "hulpverlener (regie)"),
    ("2.11", (Taak.REGIE_TOELEIDING,), "toeleider namens het college (regie)"),
)
#: categories a routine flow is tried with: a request, the advice, treatment data
CATEGORIES = ("hulpvraag", "advies_voorziening", "behandelgegevens")
ROUTINE = {"noodzakelijk": True, "inwoner_geinformeerd": "vooraf"}
PERMITS = (Oordeel.TOEGESTAAN, Oordeel.VERPLICHT)


@attrs.frozen
class Rij:
    """One row of the werkinstructie."""

    sectie: str
    taken: tuple[str, ...]
    rol: str
    namens: str
    verwerkingsverantwoordelijke: str
    beroepsgeheim: str  # ja | nee | afhankelijk van registratie
    verplicht_aan: tuple[str, ...]
    toegestaan_aan: tuple[str, ...]
    met_toestemming_aan: tuple[str, ...]
    plichten: tuple[str, ...]
    inrichting: str = ""

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def _wetten(taak: Taak) -> tuple[Wet | None, ...]:
    return tuple(Wet) if taak in TAKEN_MET_WET else (None,)


def _ctx(taak: Taak, wet: Wet | None) -> dict[str, Any]:
    return {"taak": taak.value, **({"wet": wet.value} if wet else {})}


class _Table:
    def __init__(self, specs: Specs, gemeente: Gemeente | None) -> None:
        self.specs = specs
        self.ev = Evaluator(specs)
        self.kaders = kaders(gemeente, specs) if gemeente else ()
        self.g = gemeente

    def inside(self, trace: Any) -> bool:
        memo: dict[str, bool] = {}
        return all(self.ev._comp.compile(k.als)(trace.env, memo) for k in self.kaders)

    def trace(self, flow: dict[str, Any]) -> Any:
        return self.ev.trace(flow_from_json(flow))

    def row(self, sectie: str, taken: tuple[Taak, ...], rol: str) -> Rij:
        vvo: set[str] = set()
        secrecy: set[bool] = set()
        verplicht: set[str] = set()
        toegestaan: set[str] = set()
        toestemming: set[str] = set()
        plichten: set[str] = set()
        for taak in taken:
            for wet in _wetten(taak):
                here = _ctx(taak, wet)
                t = self.trace(
                    {
                        "gegevens": {"categorie": "hulpvraag"},
                        "van": {"taak": "algemeen_advies"},
                        "naar": here,
                    }
                )
                vvo.add(t.verwerkingsverantwoordelijke[0])
                for reg in Registratie:
                    t = self.trace(
                        {
                            "gegevens": {"categorie": "hulpvraag"},
                            "van": here,
                            "naar": {"taak": "veilig_thuis"},
                            "professional": {"registratie": reg.value},
                        }
                    )
                    secrecy.add(t.definitions.get("beroepsgeheim", False))
                for target in Taak:
                    if target is taak:
                        continue
                    for twet in _wetten(target):  # a task with a wet: under any of them
                        self.share(
                            here,
                            _ctx(target, twet),
                            target.value,
                            verplicht,
                            toegestaan,
                            toestemming,
                            plichten,
                        )
        geheim = (
            "ja"
            if secrecy == {True}
            else "nee"
            if secrecy == {False}
            else "afhankelijk van registratie"
        )
        namens = {"college": "het college van B&W", "aanbieder": "de aanbieder"}
        wie = sorted(vvo)
        return Rij(
            sectie,
            tuple(t.value for t in taken),
            rol,
            ", ".join(namens.get(v, v) for v in wie),
            ", ".join(wie),
            geheim,
            tuple(sorted(verplicht)),
            tuple(sorted(toegestaan - verplicht)),
            tuple(sorted(toestemming - verplicht - toegestaan)),
            tuple(sorted(plichten)),
            self.arranged(taken),
        )

    def share(self, van: dict[str, Any], naar: dict[str, Any], label: str, *sets: set[str]) -> None:
        verplicht, toegestaan, toestemming, plichten = sets
        for cat in CATEGORIES:
            base = {
                "gegevens": {"categorie": cat},
                "van": van,
                "naar": naar,
                "professional": {"beroepscode": True},
            }
            plain = self.trace({**base, "omstandigheden": ROUTINE})
            if not self.inside(plain):
                continue
            d = self.ev.decision(plain)
            if d.oordeel is Oordeel.VERPLICHT:
                verplicht.add(label)
            if d.oordeel in PERMITS:
                toegestaan.add(label)
                plichten.update(d.plicht_codes)
                continue
            asked = self.ev.decision(
                self.trace({**base, "omstandigheden": {**ROUTINE, "toestemming": "gegeven"}})
            )
            if asked.oordeel in PERMITS:
                toestemming.add(label)

    def arranged(self, taken: tuple[Taak, ...]) -> str:
        if self.g is None:
            return ""
        inr = self.g.inrichting
        notes = []
        for i, m in enumerate(inr.mandaten):
            if m.taak in taken:
                rol = (
                    "verwerker"
                    if m.verwerkersovereenkomst
                    else "uitvoerder zonder vastgelegde verwerkersrol"
                )
                notes.append(f"{m.uitvoerder.value} als {rol} ({self.g.waar(f'mandaten[{i}]')})")
        dossiers = [d.naam for d in inr.dossiers if set(d.taken) & set(taken)]
        if dossiers:
            notes.append("dossier: " + ", ".join(dossiers))
        readers = sorted(
            {r.rol.value for r in inr.autorisatie.lezen for n in r.dossiers if n in dossiers}
        )
        if readers:
            notes.append("leesrecht: " + ", ".join(readers))
        return "; ".join(notes)


def werkinstructie_rows(specs: Specs, gemeente: Gemeente | None = None) -> list[Rij]:
    """The rows of the table (every task of the handreiking's table, or the team's)."""
    table = _Table(specs, gemeente)
    team = gemeente.inrichting.team_taken() if gemeente else None
    out = []
    for sectie, taken, rol in ROWS:
        mine = taken if team is None else tuple(t for t in taken if t in team)
        if mine:
            out.append(table.row(sectie, mine, rol))
    return out


HEADERS = (
    "taak",
    "rol medewerker",
    "namens",
    "verwerkingsverantwoordelijke",
    "beroepsgeheim",
    "verplicht te verstrekken aan",
    "mag verstrekken aan",
    "alleen met toestemming aan",
    "plichten",
)


def _cells(r: Rij, with_inrichting: bool) -> list[str]:
    cells = [
        ", ".join(r.taken) + f" (§{r.sectie})",
        r.rol,
        r.namens,
        r.verwerkingsverantwoordelijke,
        r.beroepsgeheim,
        ", ".join(r.verplicht_aan) or "-",
        ", ".join(r.toegestaan_aan) or "-",
        ", ".join(r.met_toestemming_aan) or "-",
        ", ".join(r.plichten) or "-",
    ]
    return [*cells, r.inrichting or "-"] if with_inrichting else cells


def render(rows: list[Rij], fmt: str = "markdown", gemeente: Gemeente | None = None) -> str:
    """The table as Markdown or HTML."""
    headers = [*HEADERS, "inrichting"] if gemeente else list(HEADERS)
    title = (
        f"Werkinstructie {gemeente.inrichting.gemeente}"
        if gemeente
        else "Werkinstructie (generiek)"
    )
    body = [_cells(r, gemeente is not None) for r in rows]
    if fmt == "html":
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in headers)
        trs = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in body)
        return (
            f"<h2>{esc(title)}</h2>\n<table>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>{trs}</tbody>\n</table>"
        )
    lines = [f"## {title}", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
    return "\n".join(lines)
