"""Readable explanations (Dutch default, English) of an evaluator trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.vocabulary import Oordeel

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..rules.spec import Regel
    from .interpreter import Trace

_VERDICT = {
    "nl": {
        Oordeel.VERBODEN: "Verboden: een expliciet verbod is van toepassing.",
        Oordeel.NIET_TOEGESTAAN: "Niet toegestaan: geen enkele regel geeft een grond.",
        Oordeel.TOEGESTAAN: "Toegestaan.",
        Oordeel.VERPLICHT: "Verplicht: de verstrekker moet deze gegevens verstrekken.",
    },
    "en": {
        Oordeel.VERBODEN: "Forbidden: an explicit prohibition applies.",
        Oordeel.NIET_TOEGESTAAN: "Not permitted: no rule provides a ground.",
        Oordeel.TOEGESTAAN: "Permitted.",
        Oordeel.VERPLICHT: "Obligatory: the sender must provide this data.",
    },
}
_WORDS = {
    "nl": {
        "rule": "Regel",
        "defeated": "{rule} wijkt: {exc} is daarop een uitzondering.",
        "overridden": "{rule} wijkt voor {over} (hogere laag).",
        "limit": "Grens van {rule}: {text}",
        "secret_yes": "De gegevens vallen waar ze staan onder een wettelijk beroepsgeheim.",
        "secret_no": "De gegevens vallen waar ze staan niet onder een wettelijk beroepsgeheim.",
        "open": "Nog te beoordelen: {items}.",
        "peildatum": (
            "Peildatum {dag}: beslist naar de wet zoals die op die dag gold; "
            "elke bron noemt de versie die de regel weergeeft."
        ),
        "versie": "geldt {span}",
        "van": "vanaf {d}",
        "tot": "tot {d}",
    },
    "en": {
        "rule": "Rule",
        "defeated": "{rule} gives way: {exc} is an exception to it.",
        "overridden": "{rule} gives way to {over} (higher layer).",
        "limit": "Limit of {rule}: {text}",
        "secret_yes": "Where the data sits, statutory professional secrecy covers it.",
        "secret_no": "Where the data sits, no statutory professional secrecy covers it.",
        "open": "Still to be judged: {items}.",
        "peildatum": (
            "Peildatum {dag}: decided by the law as in force on that day; "
            "each citation names the version the rule encodes."
        ),
        "versie": "holds {span}",
        "van": "from {d}",
        "tot": "until {d}",
    },
}


def explain(rules: Mapping[str, Regel], trace: Trace, lang: str = "nl") -> str:
    """Name the verdict, the deciding rules, exceptions used and near misses.
    ``rules``: the rule set's rules by id (the evaluator keeps them)."""
    words = _WORDS["en" if lang == "en" else "nl"]
    lines = [_VERDICT["en" if lang == "en" else "nl"][trace.oordeel]]
    if trace.peildatum:
        lines.append(words["peildatum"].format(dag=trace.peildatum))
    for r in trace.deciding:
        cites = ", ".join(b.label() for b in r.bronnen)
        span = " ".join(
            words[k].format(d=d) for k, d in (("van", r.geldig_van), ("tot", r.geldig_tot)) if d
        )
        if span:
            cites += "; " + words["versie"].format(span=span)
        lines.append(f"{words['rule']} {r.id} ({r.titel.get(lang)}; {cites}): {r.uitleg.get(lang)}")
    for rule, exc in trace.defeated:
        lines.append(words["defeated"].format(rule=rule, exc=exc))
    for rule, over in trace.overridden:
        lines.append(words["overridden"].format(rule=rule, over=over))
    for rule_id, index in trace.grenzen:
        text = rules[rule_id].grenzen[index].uitleg.get(lang)
        lines.append(words["limit"].format(rule=rule_id, text=text))
    lines.append(words["secret_yes" if trace.definitions["beroepsgeheim"] else "secret_no"])
    if trace.voorwaarden:
        items = sorted({code for code, _ in trace.voorwaarden})
        lines.append(words["open"].format(items=", ".join(items)))
    return "\n".join(lines)
