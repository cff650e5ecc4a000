"""The article inventory (specs/artikelen.yaml) and the citations checked against it.

Every bundled citation must exist, with its lid, onderdeel and subonderdeel, in the
version of the law it encodes; labels, URLs and the JSON form carry that version.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from pettenlogic import SpecError, load_rulebook
from pettenlogic.model.vocabulary import Regeling
from pettenlogic.rules.artikelen import (
    CitationError,
    Inventaris,
    load_artikelen,
    parse_lijst,
)
from pettenlogic.rules.loader import bundled_specs, load_specs
from pettenlogic.rules.spec import AVG_URL, Bron, Specs

INVENTORY = bundled_specs() / "artikelen.yaml"


@pytest.fixture(scope="module")
def inventaris() -> Inventaris:
    return load_artikelen(INVENTORY)


@pytest.fixture(scope="module")
def specs() -> Specs:
    return load_specs()


def all_citations(specs: Specs) -> list[tuple[str, Bron]]:
    """Every citation in the bundled rule set, with the id of the item that makes it."""
    out: list[tuple[str, Bron]] = []
    for r in specs.regels:
        out += [(r.id, b) for b in r.bronnen]
    for d in specs.definities:
        out += [(d.naam, b) for b in d.bronnen]
    for a in specs.aanvullingen:
        out += [(a.id, b) for b in a.bronnen]
    for t in specs.toekenningen:
        out += [(t.id, b) for b in t.bronnen]
    for code, tekst in specs.plichten.items():
        out += [(code, b) for b in tekst.bronnen]
    return out


# -- every bundled citation against the inventory --------------------------------------


def test_every_bundled_citation_exists_in_the_version_it_encodes(
    specs: Specs, inventaris: Inventaris
) -> None:
    problems = []
    law = [(who, b) for who, b in all_citations(specs) if b.regeling is not Regeling.HANDREIKING]
    assert len(law) > 100
    for who, b in law:
        try:
            found = inventaris.check(
                b.regeling, b.artikel, b.lid, b.onderdeel, b.sub, b.aanhef, b.versie
            )
        except CitationError as exc:
            problems.append(f"{who}: {b.label()}: {exc}")
            continue
        if (found.bwb, found.versie) != (b.bwb, b.versie):
            problems.append(f"{who}: {b.label()}: resolved to {found}, carries {b.versie}")
    assert not problems, "\n".join(problems)


def test_bundled_citations_encode_the_law_of_2020_07_01(
    specs: Specs, inventaris: Inventaris
) -> None:
    """A rule that holds at every date cites the versions in force on 2020-07-01; so
    does every definition, addition, assignment and duty text."""
    assert inventaris.standaarddatum == "2020-07-01"
    bound = {r.id for r in specs.regels if r.versiegebonden}
    for who, b in all_citations(specs):
        if b.regeling is Regeling.HANDREIKING:
            assert b.versie is None, who
            continue
        if who in bound:
            continue  # below
        default = inventaris.check(b.regeling, b.artikel).versie
        assert b.versie == default, (who, b.label(), b.versie, default)
        assert b.versie <= inventaris.standaarddatum


def test_versioned_rules_cite_a_version_in_force_while_they_hold(
    specs: Specs, inventaris: Inventaris
) -> None:
    """A rule bound to a version cites, per article, a version no older than the one in
    force when the rule starts and none that only takes effect after it ends."""
    bound = [r for r in specs.regels if r.versiegebonden]
    assert bound, "the bundled rule set encodes later versions of some articles"
    for r in bound:
        for b in r.bronnen:
            if b.regeling is Regeling.HANDREIKING:
                continue
            assert b.versie is not None
            at_start = inventaris.check(b.regeling, b.artikel, op=r.geldig_van).versie
            assert b.versie >= at_start, (r.id, b.label(), b.versie, at_start)
            assert r.geldig_tot is None or b.versie < r.geldig_tot, (r.id, b.label())


def test_default_versions_per_regeling(inventaris: Inventaris) -> None:
    expected = {
        (Regeling.JEUGDWET, "7.4.0"): ("BWBR0034925", "2020-07-01"),
        (Regeling.WMO, "5.2.2"): ("BWBR0035362", "2020-07-01"),
        (Regeling.PARTICIPATIEWET, "64"): ("BWBR0015703", "2020-07-01"),
        (Regeling.WGS, "3"): ("BWBR0031331", "2017-04-01"),
        (Regeling.BW, "1:240"): ("BWBR0002656", "2020-01-01"),
        (Regeling.BW, "7:457"): ("BWBR0005290", "2020-07-01"),
        (Regeling.SV, "161"): ("BWBR0001903", "2020-01-01"),
        (Regeling.AWB, "5:20"): ("BWBR0005537", "2020-07-01"),
        (Regeling.UAVG, "22"): ("BWBR0040940", "2020-01-01"),
        (Regeling.WET_BIG, "88"): ("BWBR0006251", "2020-07-01"),
        (Regeling.AVG, "6"): (None, "2018-05-25"),
    }
    for (regeling, artikel), (bwb, versie) in expected.items():
        found = inventaris.check(regeling, artikel)
        assert (found.bwb, found.versie) == (bwb, versie), (regeling, artikel)


def test_every_regeling_is_in_the_inventory_with_the_vocabulary_bwb_id(
    inventaris: Inventaris,
) -> None:
    for regeling in Regeling:
        if regeling is Regeling.HANDREIKING:
            assert regeling not in inventaris.regelingen
            continue
        data = inventaris.regelingen[regeling]
        ids = sorted(w.bwb for w in data.wetten.values() if w.bwb)
        named = sorted(re.findall(r"BWBR\d{7}", regeling.description))
        assert ids == named, (regeling, ids, named)
        if regeling is Regeling.AVG:
            assert data.celex is not None and data.celex in AVG_URL


def test_structures_follow_each_other_without_gaps_between_versions_read(
    inventaris: Inventaris,
) -> None:
    """Every article has one structure per version read, from its first appearance on."""
    for regeling, data in inventaris.regelingen.items():
        for nummer, art in data.artikelen.items():
            wet = data.wet(nummer)
            assert wet is not None
            present = [v for v in wet.versies if art.op(v) is not None]
            assert present, (regeling, nummer)
            first = wet.versies.index(present[0])
            assert present == list(wet.versies[first:]), (regeling, nummer)


# -- what the review found --------------------------------------------------------------


def _cited(specs: Specs, regeling: Regeling, artikel: str) -> list[tuple[str, Bron]]:
    return [
        (who, b)
        for who, b in all_citations(specs)
        if b.regeling is regeling and b.artikel == artikel
    ]


def test_review_findings_stay_fixed(specs: Specs) -> None:
    # Wgs: the right BWB id in every link; art. 2 (the council's plan) is not the college's task
    for who, b in all_citations(specs):
        if b.regeling is Regeling.WGS:
            assert b.url and "BWBR0031331" in b.url, who
    assert not _cited(specs, Regeling.WGS, "2")
    # Jeugdwet 7.4.4 is about policy information, not the college's own Jeugdwet tasks:
    # only the policy-information rule may cite it (D41)
    assert {who for who, _ in _cited(specs, Regeling.JEUGDWET, "7.4.4")} == {
        "jw-7.4.1-beleidsinformatie"
    }
    # Wmo 5.2.2 has no leden; AVG 4 has onderdelen
    assert all(b.lid is None and b.onderdeel for _, b in _cited(specs, Regeling.WMO, "5.2.2"))
    assert all(b.lid is None and b.onderdeel for _, b in _cited(specs, Regeling.AVG, "4"))
    # Participatiewet 64: lid 1 onder n, and the duty only on request
    p64 = _cited(specs, Regeling.PARTICIPATIEWET, "64")
    assert {(b.lid, b.onderdeel) for _, b in p64} == {("1", "n")}
    for rid in ("reintegratie-verstrekking-college", "reintegratie-verstrekking-college-onder-27"):
        assert "desgevraagd" in str(specs.regel(rid).als)
    # the Verwijsindex controller and the youth-care medebehandelaar exception
    assert {b.lid for _, b in _cited(specs, Regeling.JEUGDWET, "7.1.2.2")} == {"1", "2", "3"}
    mede = specs.regel("medebehandelaar").bronnen
    assert any(b.artikel == "7.3.11" and (b.lid, b.onderdeel) == ("2", "a") for b in mede)
    # the meldcode duty cites both statutory bases
    meldcode = {(b.regeling, b.artikel) for b in specs.plichten["meldcode_volgen"].bronnen}
    assert {(Regeling.JEUGDWET, "4.1.7"), (Regeling.WMO, "3.3")} <= meldcode
    # the Wgs duty to the college rests on the handreiking alone
    wgs = specs.regel("schuldhulp-verstrekking-college")
    assert wgs.alleen_handreiking and wgs.laag.value == "richtlijn"
    assert all(b.regeling is Regeling.HANDREIKING for b in wgs.bronnen)


# -- labels, links and JSON ---------------------------------------------------------------


def test_labels() -> None:
    assert (
        Bron(Regeling.JEUGDWET, "7.4.0", "1", onderdeel="a", aanhef=True).label()
        == "Jeugdwet 7.4.0 lid 1 aanhef en onder a"
    )
    assert (
        Bron(Regeling.WMO, "5.2.2", onderdeel="a", aanhef=True).label()
        == "Wmo 2015 5.2.2 aanhef en onder a"
    )
    assert Bron(Regeling.AVG, "4", onderdeel="7").label() == "AVG 4 onder 7"
    assert (
        Bron(Regeling.PARTICIPATIEWET, "7", "1", onderdeel="a", sub="1").label()
        == "Participatiewet 7 lid 1 onder a sub 1°"
    )
    assert Bron(Regeling.HANDREIKING, "2.8", pagina=22).label() == "handreiking §2.8, p. 22"


def test_links_carry_the_version(specs: Specs) -> None:
    by_label = {b.label(): b for _, b in all_citations(specs)}
    assert by_label["Jeugdwet 7.4.0 lid 2"].url == (
        "https://wetten.overheid.nl/jci1.3:c:BWBR0034925&artikel=7.4.0&lid=2&g=2020-07-01"
    )
    assert by_label["BW 7:457 lid 2"].url == (
        "https://wetten.overheid.nl/jci1.3:c:BWBR0005290&boek=7&artikel=457&lid=2&g=2020-07-01"
    )
    assert by_label["Wgs 3 lid 1"].url == (
        "https://wetten.overheid.nl/jci1.3:c:BWBR0031331&artikel=3&lid=1&g=2017-04-01"
    )
    assert by_label["AVG 6 lid 1 onder e"].url == AVG_URL
    for _, b in all_citations(specs):
        if b.regeling is Regeling.HANDREIKING:
            assert b.url is None
        elif b.regeling is not Regeling.AVG:
            assert b.url is not None and b.url.endswith(f"&g={b.versie}")


def test_json_adds_keys_and_keeps_the_old_ones() -> None:
    b = Bron(
        Regeling.WMO, "5.2.2", onderdeel="a", aanhef=True, versie="2020-07-01", bwb="BWBR0035362"
    )
    data = b.to_dict()
    assert data["regeling"] == "wmo" and data["artikel"] == "5.2.2"
    assert data["onderdeel"] == "a" and data["aanhef"] is True
    assert data["versie"] == "2020-07-01"
    assert "lid" not in data and "sub" not in data
    assert data["url"].endswith("&artikel=5.2.2&g=2020-07-01")
    assert "aanhef" not in Bron(Regeling.JEUGDWET, "7.4.0", "1").to_dict()


def test_duty_citations_reach_the_decision() -> None:
    rb = load_rulebook()
    d = rb.decide(
        {
            "gegevens": {"categorie": "signalen_huiselijk_geweld", "betrokkene": {"leeftijd": 8}},
            "van": {"taak": "jeugdhulp"},
            "naar": {"taak": "veilig_thuis"},
            "omstandigheden": {"vermoeden_huiselijk_geweld": True, "noodzakelijk": True},
        }
    )
    meldcode = next(p for p in d.plichten if p.code == "meldcode_volgen")
    labels = [b.label() for b in meldcode.bronnen]
    assert labels[0] == "Wmo 2015 5.2.6"  # the rule that attached the duty comes first
    assert "Jeugdwet 4.1.7 lid 1" in labels and "Wmo 2015 3.3 lid 1" in labels
    assert "Jeugdwet 4.1.7 lid 1" in [b.label() for b in d.bronnen]


# -- the inventory format ------------------------------------------------------------------


def test_parse_lijst() -> None:
    assert parse_lijst("a-c") == {"a": (), "b": (), "c": ()}
    assert parse_lijst("a, b(1-3), c") == {"a": (), "b": ("1", "2", "3"), "c": ()}
    assert list(parse_lijst("1-26")) == [str(n) for n in range(1, 27)]
    for bad in ("a-", "a, a", "a-c(1-2)", "b(x)", ""):
        with pytest.raises(ValueError):
            parse_lijst(bad)


BROKEN_INVENTORY = """\
standaarddatum: "2020-07-01"
regelingen:
  jeugdwet:
    bwb: BWBR0034925
    versies: ["2020-07-01", "2026-01-01"]
    artikelen:
      "7.4.0":
        titel: test
        structuur:
          - {geldig_van: "2020-07-01", leden: "1-5", onderdelen: {"6": "a-b"}}
      "7.4.1":
        titel: test
        structuur:
          - {geldig_van: "2020-07-01", leden: "1-2"}
          - {geldig_van: "2026-01-01", leden: "1-3"}
      "7.4.4":
        titel: test
        structuur:
          - {geldig_van: "2020-7-1", leden: "1-2"}
      "7.1.4.1":
        titel: test
        structuur:
          - {geldig_van: "2020-07-01", onderdelen: "a-l(1-2)"}
  sv:
    bwb: BWBR1
    versies: ["2020-01-01"]
    artikelen: {}
  wgs:
    bwb: BWBR0031331
    versies: ["2017-04-01"]
    kleur: rood
    artikelen: {}
"""


def test_a_broken_inventory_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "artikelen.yaml"
    path.write_text(BROKEN_INVENTORY, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_artikelen(path, "artikelen.yaml")
    text = str(info.value)
    for line, message in [
        (10, "onderdelen: no lid '6'"),
        (15, "structures overlap"),
        (19, "'geldig_van' must be a date YYYY-MM-DD"),
        (23, "subonderdelen belong to a single onderdeel"),
        (25, "'bwb' must look like BWBR0034925"),
        (31, "unknown key 'kleur'"),
    ]:
        assert f"artikelen.yaml:{line}: " in text and message in text, (line, message, text)


def test_a_spec_folder_without_inventory_is_rejected(tmp_path: Path) -> None:
    copy = tmp_path / "specs"
    shutil.copytree(bundled_specs(), copy)
    (copy / "artikelen.yaml").unlink()
    with pytest.raises(SpecError) as info:
        load_specs(copy)
    assert any("artikelen.yaml" in p for p in info.value.problems)


def test_a_broken_duty_citation_is_rejected(tmp_path: Path) -> None:
    copy = tmp_path / "specs"
    shutil.copytree(bundled_specs(), copy)
    codes = copy / "codes.yaml"
    text = codes.read_text(encoding="utf-8")
    old = '{regeling: jeugdwet, artikel: "4.1.7", lid: "3"'
    assert old in text
    codes.write_text(text.replace(old, '{regeling: jeugdwet, artikel: "4.1.7", lid: "5"'))
    line = next(
        n for n, row in enumerate(codes.read_text().splitlines(), 1) if '"4.1.7", lid: "5"' in row
    )
    with pytest.raises(SpecError) as info:
        load_specs(copy)
    assert info.value.problems == [
        f"specs/codes.yaml:{line}: plicht 'meldcode_volgen': jeugdwet 4.1.7 "
        "(version of 2020-07-01) has no lid 5 (leden: 1-4)"
    ]


def test_inventory_holds_numbers_and_titles_only() -> None:
    """The inventory paraphrases nothing: per article a short title and a structure."""
    data = yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))
    for name, regeling in data["regelingen"].items():
        for nummer, art in regeling["artikelen"].items():
            assert set(art) == {"titel", "structuur"}, (name, nummer)
            assert len(art["titel"]) <= 90, (name, nummer)
