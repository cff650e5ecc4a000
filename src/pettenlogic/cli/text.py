"""The text rendering of a decision (``decide`` without ``--json``, ``demo``)."""

from __future__ import annotations

from ..decision import Decision
from ..rules.spec import Bron
from .words import WORDS


def bron_line(b: Bron) -> str:
    return f"{b.label()}  {b.url}" if b.url else b.label()


def render_decision(decision: Decision, lang: str = "nl") -> str:
    """A readable text block of one decision (full texts, no truncation)."""
    w = WORDS[lang]
    lines = [f"{w['oordeel']}: {decision.oordeel.value}"]
    lines.append(f"{w['regels']}: {', '.join(decision.regels) or w['none']}")
    lines.append(f"{w['grondslag']}: {', '.join(decision.grondslag) or w['none']}")
    for key, items in (("plichten", decision.plichten), ("voorwaarden", decision.voorwaarden)):
        if not items:
            lines.append(f"{w[key]}: {w['none']}")
            continue
        lines.append(f"{w[key]}:")
        for item in items:
            lines.append(f"  - {item.code}: {item.tekst}")
    secrecy = w["yes"] if decision.beroepsgeheim else w["no"]
    lines.append(f"{w['beroepsgeheim']}: {secrecy}")
    lines.append(f"{w['verwerkingsverantwoordelijke']}: {decision.verwerkingsverantwoordelijke}")
    if decision.bronnen:
        lines.append(f"{w['bronnen']}:")
        lines.extend(f"  - {bron_line(b)}" for b in decision.bronnen)
    else:
        lines.append(f"{w['bronnen']}: {w['none']}")
    lines.append(f"{w['uitleg']}:")
    lines.extend(f"  {line}" for line in decision.uitleg.splitlines())
    if decision.inrichting is not None:
        lines.append(f"inrichting ({decision.inrichting['gemeente']}):")
        for k in decision.inrichting["keuzes"] or [{"keuze": w["none"]}]:
            if "gevolg" in k:
                lines.append(f"  - {k['keuze']} = {k['waarde']} [{k['gevolg']}]: {k['uitleg']}")
            else:
                lines.append(f"  - {k['keuze']}")
    lines.append(f"rulebook: {decision.rulebook}")
    return "\n".join(lines)
