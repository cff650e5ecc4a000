"""The words of the command line's text output, in Dutch and English.

The values after a label are the contract's codes (``verboden``, ``geldt``, rule
ids) and stay as they are; the labels around them follow ``--lang``.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        # decide
        "none": "(geen)",
        "yes": "ja",
        "no": "nee",
        "oordeel": "oordeel",
        "regels": "regels",
        "grondslag": "grondslag",
        "plichten": "plichten",
        "voorwaarden": "voorwaarden",
        "beroepsgeheim": "beroepsgeheim",
        "verwerkingsverantwoordelijke": "verwerkingsverantwoordelijke",
        "bronnen": "bronnen",
        "uitleg": "uitleg",
        # prove
        "expected": "verwacht",
        "counterexample": "tegenvoorbeeld",
        "decision": "beslissing",
        "note": "toelichting",
        "as_expected": "{good} van {total} eigenschappen zoals verwacht",
        # check
        "witness": "getuige",
        "core": "kern",
        "findings": "{n} bevindingen ({info} informatieve overlappingen{hint})",
        "shown_with_info": ", te zien met --info",
        # diff
        "groups": "{n} groepen verstrekkingen die verschillen",
        "incomplete": " (onvolledig: limiet of tijd bereikt)",
        "per_group": "(per groep een getuige en de plichten die erbij komen of vervallen: --json)",
        "duties_only": "(plichten)",
        "only_on": "{n} regels en grenzen gelden alleen op {day}:",
    },
    "en": {
        "none": "(none)",
        "yes": "yes",
        "no": "no",
        "oordeel": "verdict",
        "regels": "rules",
        "grondslag": "legal ground",
        "plichten": "duties",
        "voorwaarden": "open conditions",
        "beroepsgeheim": "professional secrecy",
        "verwerkingsverantwoordelijke": "controller",
        "bronnen": "sources",
        "uitleg": "explanation",
        "expected": "expected",
        "counterexample": "counterexample",
        "decision": "decision",
        "note": "note",
        "as_expected": "{good} of {total} properties as expected",
        "witness": "witness",
        "core": "core",
        "findings": "{n} findings ({info} informational overlaps{hint})",
        "shown_with_info": ", shown with --info",
        "groups": "{n} groups of differing flows",
        "incomplete": " (incomplete: limit or timeout reached)",
        "per_group": "(one witness flow per group, and the duties it gains or loses, with --json)",
        "duties_only": "(duties)",
        "only_on": "{n} rules and limits hold only on {day}:",
    },
}
