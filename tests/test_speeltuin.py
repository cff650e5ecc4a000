"""The playground page and POST /v1/beslissingen/alternatieven, over HTTP (no browser)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pettenlogic import Rulebook
from pettenlogic.model.vocabulary import Oordeel
from pettenlogic.service.app import create_app
from pettenlogic.service.settings import Settings
from pettenlogic.solver.nearest import controlled_fields, nearest

ALT = "/v1/beslissingen/alternatieven"


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(create_app(Settings(prove_at_startup=False))) as c:
        yield c


def test_page_and_assets_are_served_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/speeltuin")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    # only the page's own script and style, no inline script to run
    assert re.findall(r'<script src="([^"]+)"', page.text) == ["/speeltuin/speeltuin.js"]
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text) == [
        "/speeltuin/speeltuin.css"
    ]
    for asset, kind in (("speeltuin.js", "javascript"), ("speeltuin.css", "css")):
        response = client.get(f"/speeltuin/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]


def test_page_carries_the_vocabulary_as_data(client: TestClient) -> None:
    text = client.get("/speeltuin").text
    found = re.search(r'<script type="application/json" id="woorden">(.*?)</script>', text, re.S)
    assert found is not None
    woorden = json.loads(found.group(1))
    assert woorden["oordeel"] == {o.value: o.description for o in Oordeel}
    assert woorden["korte_naam"]["jeugdwet"] == "Jeugdwet"


def test_the_page_is_not_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/v1/openapi.json").json()["paths"]
    assert not any("speeltuin" in p for p in paths)
    operation = paths["/beslissingen/alternatieven"]["post"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"taal", "regelset", "veld", "aantal"}
    assert {"200", "400", "503"} <= set(operation["responses"])


def test_alternatives_are_the_library_answer(
    client: TestClient, rulebook: Rulebook, design_example: dict[str, Any]
) -> None:
    response = client.post(ALT + "?taal=en&aantal=2", json=design_example)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == nearest(rulebook, design_example, per_oordeel=2, lang="en").to_dict()
    assert body["velden"] == list(controlled_fields())
    for alt in body["alternatieven"]:
        assert rulebook.decide(alt["flow"]).oordeel.value == alt["oordeel"]


def test_alternatives_over_named_fields(
    client: TestClient, rulebook: Rulebook, design_example: dict[str, Any]
) -> None:
    fields = ["omstandigheden.toestemming", "omstandigheden.pgb"]
    response = client.post(ALT, params={"veld": fields}, json=design_example)
    assert response.status_code == 200, response.text
    assert response.json()["velden"] == fields
    expected = nearest(rulebook, design_example, velden=fields).to_dict()
    assert response.json() == expected


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"veld": ["omstandigheden.toestemming", "omstandigheden.bestaat_niet"]}, "veld[1]"),
        ({"aantal": "0"}, "aantal"),
        ({"aantal": "99"}, "aantal"),
        ({"taal": "fr"}, "taal"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    client: TestClient, design_example: dict[str, Any], params: dict[str, Any], where: str
) -> None:
    response = client.post(ALT, params=params, json=design_example)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == [where]
    assert errors[0]["in"] == "query"
    if where.startswith("veld"):
        assert errors[0]["value"] == "omstandigheden.bestaat_niet"
        assert "omstandigheden.toestemming" in errors[0]["allowed"]


def test_bad_flow_is_400_and_never_alternatives(client: TestClient) -> None:
    flow = {"gegevens": {"categorie": "geheim"}, "van": {"taak": "jeugdhulp"}}
    response = client.post(ALT, json=flow)
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"gegevens.categorie", "naar"} <= paths
