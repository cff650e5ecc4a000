"""Temporal duties: what must happen *before* (or by the end of) a step.

A single flow cannot show order: that the role was named before a switch, that
consent came before treatment data went to regie, that a report was discussed
beforehand, that the youth was told of a Verwijsindex registration, that a
withdrawn consent still binds. Their texts and citations live in
``specs/tijdsplichten.yaml`` (validated against the article inventory like rule
citations); the checks are the small functions of :class:`Tijdlijn`, one per id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from ..rules.artikelen import load_artikelen
from ..rules.loader import SpecError, _bronnen, _Ctx, _get, _keys, _Missing, resolve_dirs
from ..rules.spec import Bron, Specs, Tekst
from ..rules.yamlsrc import YamlError, load_yaml

IDS = (
    "rol-benoemen",
    "toestemming-voor-behandelgegevens-naar-regie",
    "vooraf-informeren-of-bespreken",
    "verwijsindex-jeugdige-informeren",
    "ingetrokken-toestemming-bindt",
)


@attrs.frozen
class Tijdsplicht:
    """One temporal duty: its id, text and citations."""

    id: str
    sectie: str
    tekst: Tekst
    bronnen: tuple[Bron, ...]


def load_tijdsplichten(specs: Specs, path: str | Path | None = None) -> dict[str, Tijdsplicht]:
    """The duties of ``tijdsplichten.yaml`` in a spec folder; raise :class:`SpecError`."""
    root, _rules = resolve_dirs(path)
    file = root / "tijdsplichten.yaml"
    shown = f"{root.name}/tijdsplichten.yaml"
    problems: list[str] = []
    try:
        data = load_yaml(file, shown)
    except YamlError as exc:
        raise SpecError([str(exc)]) from None
    inventaris = load_artikelen(root / "artikelen.yaml")
    ctx = _Ctx(shown, problems)
    out: dict[str, Tijdsplicht] = {}
    try:
        top = _keys(ctx, data, {"tijdsplichten"}, shown, 1)
        for item in _get(ctx, top, "tijdsplichten", list, shown):
            try:
                obj = _keys(ctx, item, {"id", "sectie", "nl", "en", "bronnen"}, "tijdsplicht")
                pid = _get(ctx, obj, "id", str, "tijdsplicht")
                what = f"tijdsplicht '{pid}'"
                if pid not in IDS:
                    ctx.error(obj.line_of("id"), f"{what}: unknown id; allowed: {', '.join(IDS)}")
                    continue
                sectie = _get(ctx, obj, "sectie", str, what)
                if sectie not in specs.secties:
                    ctx.error(obj.line_of("sectie"), f"{what}: unknown handreiking section")
                    continue
                tekst = Tekst(
                    " ".join(_get(ctx, obj, "nl", str, what).split()),
                    " ".join(_get(ctx, obj, "en", str, what).split()),
                )
                bronnen = _bronnen(ctx, obj, what, specs.secties, sectie, inventaris, True)
                out[pid] = Tijdsplicht(pid, sectie, tekst, bronnen)
            except _Missing:
                continue
    except _Missing:
        pass
    missing = [i for i in IDS if i not in out]
    if missing and not problems:
        problems.append(f"{shown}:1: no text for {', '.join(missing)}")
    if problems:
        raise SpecError(problems)
    return out


#: who must be told of a Verwijsindex registration, by age (Jeugdwet 7.1.5.1 lid 1 with
#: AVG 14): under 12 the representative, 12 to 15 both, from 16 (or unknown) the youth
def addressees(leeftijd: int | None) -> frozenset[str]:
    if leeftijd is not None and leeftijd < 12:
        return frozenset({"vertegenwoordiger"})
    if leeftijd is not None and leeftijd < 16:
        return frozenset({"jeugdige", "vertegenwoordiger"})
    return frozenset({"jeugdige"})


@attrs.define
class Tijdlijn:
    """What earlier events established, as the steps are read in order."""

    rol: dict[str, Any] | None = None
    rol_benoemd: bool = True
    #: consent per (recipient task, category or None): (stand, step number)
    toestemming: dict[tuple[str, str | None], tuple[str, int]] = attrs.field(factory=dict)
    #: informed beforehand per recipient task: (who, step number)
    geinformeerd: list[tuple[str, str, int]] = attrs.field(factory=list)
    #: open requests per requesting task: step number
    verzoeken: dict[str, int] = attrs.field(factory=dict)

    def consent(self, taak: str, categorie: str) -> tuple[str, int] | None:
        """The latest consent event for sharing ``categorie`` with ``taak``."""
        found = [
            v for (t, c), v in self.toestemming.items() if t == taak and c in (None, categorie)
        ]
        return max(found, key=lambda v: v[1]) if found else None

    def informed_before(self, taak: str) -> bool:
        return any(t == taak and wie == "inwoner" for wie, t, _n in self.geinformeerd)

    def informed_any(self, taak: str, wie: frozenset[str]) -> bool:
        told = {w for w, t, _n in self.geinformeerd if t == taak}
        return wie <= told
