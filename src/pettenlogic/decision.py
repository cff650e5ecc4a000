"""The decision (the contract's decision JSON) as a frozen value with its JSON form."""

from __future__ import annotations

import json
import weakref
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

import attrs

from .model.vocabulary import Oordeel
from .rules.spec import Bron


@attrs.frozen
class Gevolgtekst:
    """A duty or condition on a decision, with its text and sources.

    Attributes:
        code: the stable code of the duty or condition (``specs/codes.yaml``).
        tekst: its text in the decision's language.
        bronnen: the citations it rests on (given for duties only in the JSON).
    """

    code: str
    tekst: str
    bronnen: tuple[Bron, ...] = ()

    def to_dict(self, with_sources: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "tekst": self.tekst}
        if with_sources:
            out["bronnen"] = [b.to_dict() for b in self.bronnen]
        return out


@attrs.frozen
class Decision:
    """The answer to "may this flow happen?".

    Attributes:
        oordeel: the verdict: verboden, niet_toegestaan, toegestaan or verplicht.
        grondslag: the AVG grounds (article 6 or 9 codes) the verdict rests on.
        plichten: the duties the flow brings, each with its text and citations.
        voorwaarden: the open conditions: judgements the caller must still make.
        bronnen: the citations (law articles with links, handreiking sections).
        beroepsgeheim: whether statutory or professional secrecy covers the data.
        verwerkingsverantwoordelijke: the controller of the receiving task.
        regels: the ids of the rules that decided, in the order they decided.
        uitleg: the explanation, one line per step, in ``lang``.
        rulebook: the digest of the rule set that decided (for reproducibility).
        lang: the language of ``tekst`` and ``uitleg`` (``nl`` or ``en``).
        inrichting: only with a gemeente's inrichting: the local choices that bore on it.
        peildatum: the day whose law decided (ISO date; the flow's own, or today).
    """

    oordeel: Oordeel
    grondslag: tuple[str, ...]
    plichten: tuple[Gevolgtekst, ...]
    voorwaarden: tuple[Gevolgtekst, ...]
    bronnen: tuple[Bron, ...]
    beroepsgeheim: bool
    verwerkingsverantwoordelijke: str
    regels: tuple[str, ...]
    uitleg: str
    rulebook: str
    lang: str = "nl"
    inrichting: dict[str, Any] | None = None
    peildatum: str = ""

    @property
    def plicht_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.plichten)

    @property
    def voorwaarde_codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.voorwaarden)

    def to_dict(self) -> dict[str, Any]:
        """The decision JSON of the contract, as Python data."""
        return {
            "oordeel": self.oordeel.value,
            "grondslag": list(self.grondslag),
            "plichten": [p.to_dict(True) for p in self.plichten],
            "voorwaarden": [v.to_dict(False) for v in self.voorwaarden],
            "bronnen": [b.to_dict() for b in self.bronnen],
            "beroepsgeheim": self.beroepsgeheim,
            "verwerkingsverantwoordelijke": self.verwerkingsverantwoordelijke,
            "regels": list(self.regels),
            "uitleg": self.uitleg,
            "rulebook": self.rulebook,
            "peildatum": self.peildatum,
            **({} if self.inrichting is None else {"inrichting": self.inrichting}),
        }

    def to_json(self, indent: int | None = None) -> str:
        """The decision JSON of the contract, as text (non-ASCII kept)."""
        if indent is not None:
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
        return self.json_bytes().decode("utf-8", "surrogatepass")

    def json_bytes(self) -> bytes:
        """The decision JSON in UTF-8: the same text ``json.dumps`` gives for
        :meth:`to_dict`, joined from the kept JSON of its parts (citations, duties,
        lines of the explanation), which decisions share; streams write millions."""
        parts = [
            b'{"oordeel": ',
            _text(self.oordeel.value),
            b', "grondslag": ',
            _strings(self.grondslag),
            b', "plichten": ',
            _gevolgen_json(self.plichten, True),
            b', "voorwaarden": ',
            _gevolgen_json(self.voorwaarden, False),
            b', "bronnen": ',
            _bronnen_json(self.bronnen),
            b', "beroepsgeheim": ',
            b"true" if self.beroepsgeheim else b"false",
            b', "verwerkingsverantwoordelijke": ',
            _text(self.verwerkingsverantwoordelijke),
            b', "regels": ',
            _strings(self.regels),
            b', "uitleg": "',
            b"\\n".join(map(_line, self.uitleg.split("\n"))),
            b'", "rulebook": ',
            _text(self.rulebook),
            b', "peildatum": ',
            _text(self.peildatum),
        ]
        if self.inrichting is not None:
            parts += [b', "inrichting": ', _utf8(json.dumps(self.inrichting, ensure_ascii=False))]
        parts.append(b"}")
        return b"".join(parts)


# The JSON of each part is kept: decisions share their citations, duties and most
# lines of their explanations far more often than their whole text. Lone surrogates
# (which json.dumps passes through) survive the round trip to bytes and back.
def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@lru_cache(maxsize=4096)
def _text(value: str) -> bytes:
    return _utf8(encode_basestring(value))


@lru_cache(maxsize=16384)
def _line(line: str) -> bytes:
    """A line of an explanation as JSON string content (without the quotes)."""
    return _utf8(encode_basestring(line)[1:-1])


@lru_cache(maxsize=4096)
def _strings(items: tuple[str, ...]) -> bytes:
    return b"[" + b", ".join(map(_text, items)) + b"]"


@lru_cache(maxsize=4096)
def _bron_json(bron: Bron) -> bytes:
    return _utf8(json.dumps(bron.to_dict(), ensure_ascii=False))


@lru_cache(maxsize=4096)
def _bronnen_json(bronnen: tuple[Bron, ...]) -> bytes:
    return b"[" + b", ".join(map(_bron_json, bronnen)) + b"]"


@lru_cache(maxsize=4096)
def _gevolg_json(gevolg: Gevolgtekst, with_sources: bool) -> bytes:
    return _utf8(json.dumps(gevolg.to_dict(with_sources), ensure_ascii=False))


@lru_cache(maxsize=4096)
def _gevolgen_json(gevolgen: tuple[Gevolgtekst, ...], with_sources: bool) -> bytes:
    return b"[" + b", ".join(_gevolg_json(g, with_sources) for g in gevolgen) + b"]"


#: decision JSON texts kept by :func:`kept_json` (1 to 5 KB each)
MAX_KEPT_TEXTS = 5_000
# id -> (the decision, weakly: an id is reused once its decision is gone; its text)
_kept: dict[int, tuple[weakref.ref[Decision], bytes]] = {}


def kept_json(decision: Decision) -> bytes:
    """``decision.json_bytes()``, kept per decision object: the compiled engine hands
    out one (frozen) decision for every flow of a signature, so streams and the HTTP
    service write the same text again and again. Past the bound, the oldest text
    makes room."""
    key = id(decision)
    hit = _kept.get(key)
    if hit is not None and hit[0]() is decision:
        return hit[1]
    text = decision.json_bytes()
    if key not in _kept and len(_kept) >= MAX_KEPT_TEXTS:
        del _kept[next(iter(_kept))]
    _kept[key] = (weakref.ref(decision), text)
    return text
