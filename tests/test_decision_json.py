"""The decision JSON text is joined from the JSON of its parts (``Decision.to_json``):
it must be exactly the text ``json.dumps`` gives for ``Decision.to_dict``."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pettenlogic import load_rulebook
from pettenlogic.decision import Decision, Gevolgtekst
from pettenlogic.model.vocabulary import Oordeel
from pettenlogic.rules.spec import Bron, Regeling
from strategies import random_flow

TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from('"\\\n\t\x00\x7f\u2028é'))
OPTIONAL = st.none() | TEXT
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
BRONNEN = st.lists(
    st.builds(
        Bron,
        regeling=st.sampled_from(list(Regeling)),
        artikel=TEXT,
        lid=OPTIONAL,
        pagina=st.none() | st.integers(),
        titel=OPTIONAL,
        onderdeel=OPTIONAL,
        sub=OPTIONAL,
        aanhef=st.booleans(),
        versie=OPTIONAL,
        bwb=OPTIONAL,
    ),
    max_size=3,
).map(tuple)
GEVOLGEN = st.lists(st.builds(Gevolgtekst, TEXT, TEXT, BRONNEN), max_size=3).map(tuple)
STRINGS = st.lists(TEXT, max_size=3).map(tuple)


@settings(max_examples=300, deadline=None)
@given(
    decision=st.builds(
        Decision,
        oordeel=st.sampled_from(list(Oordeel)),
        grondslag=STRINGS,
        plichten=GEVOLGEN,
        voorwaarden=GEVOLGEN,
        bronnen=BRONNEN,
        beroepsgeheim=st.booleans(),
        verwerkingsverantwoordelijke=TEXT,
        regels=STRINGS,
        uitleg=TEXT,
        rulebook=TEXT,
        lang=st.sampled_from(["nl", "en"]),
        inrichting=st.none() | st.dictionaries(TEXT, JSON, max_size=3),
        peildatum=TEXT,
    )
)
def test_joined_text_is_what_json_dumps_gives(decision: Decision) -> None:
    assert decision.to_json() == json.dumps(decision.to_dict(), ensure_ascii=False)
    assert json.loads(decision.to_json()) == decision.to_dict()


def test_joined_text_of_real_decisions() -> None:
    """Seeded flows in both languages, on both engines (the compiled one shares
    decision objects, the evaluator makes new ones)."""
    book = load_rulebook()
    rng = random.Random(20261129)
    for i in range(400):
        flow = random_flow(rng)
        for engine in ("compiled", "evaluator"):
            decision = book.decide(flow, "en" if i % 2 else "nl", engine=engine)
            assert decision.to_json() == json.dumps(decision.to_dict(), ensure_ascii=False)
    assert decision.to_json(indent=2) == json.dumps(
        decision.to_dict(), ensure_ascii=False, indent=2
    )


def test_a_lone_surrogate_survives_as_json_dumps_passes_it() -> None:
    decision = Decision(
        oordeel=Oordeel.TOEGESTAAN,
        grondslag=("\ud800",),
        plichten=(),
        voorwaarden=(),
        bronnen=(),
        beroepsgeheim=False,
        verwerkingsverantwoordelijke="college",
        regels=(),
        uitleg="a\ud800\nb",
        rulebook="x",
    )
    assert decision.to_json() == json.dumps(decision.to_dict(), ensure_ascii=False)
