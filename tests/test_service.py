"""The HTTP API in process (Starlette's test client): every resource, problem
details, limits and headers, and decisions identical to the library's."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

from broken_rules import copy_specs, edit_rule
from conftest import DESIGN_EXAMPLE
from pettenlogic import InvalidInput, Rulebook, load_rulebook
from pettenlogic.model.schema import flow_schema
from pettenlogic.rules.catalogue import regel_json
from pettenlogic.service.app import create_app
from pettenlogic.service.settings import API_VERSION, Settings
from strategies import flow_dicts

ROOT = Path(__file__).resolve().parents[1]
WHATIF = ROOT / "specs" / "whatif" / "zonder-7.4.0"
HOSTILE = Path(__file__).parent / "hostile_flows"
PROBLEM = "application/problem+json"
MAX_BATCH = 5
MAX_BODY = 4096

crash_router = APIRouter()


@crash_router.get("/kapot", include_in_schema=False)
async def kapot() -> None:
    raise RuntimeError("secret internal detail")


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = Settings(
        regelsets=(("zonder-7.4.0", str(WHATIF)),),
        max_batch=MAX_BATCH,
        max_body_bytes=MAX_BODY,
        prove_at_startup=False,
    )
    app = create_app(settings, extra_routers=[crash_router])
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict[str, Any]:
    return client.get("/v1/openapi.json").json()


def _validator(doc: dict[str, Any], ref: str) -> Draft202012Validator:
    """A validator for one component of the served document (its refs resolved in it)."""
    return Draft202012Validator({**doc, "$ref": ref})


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["api-version"] == API_VERSION
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"].startswith("https://") and body["instance"].startswith("/")
    return body


# -- decisions ---------------------------------------------------------------------------


def test_decision_is_the_library_decision(client: TestClient, rulebook: Rulebook) -> None:
    response = client.post("/v1/beslissingen", json=DESIGN_EXAMPLE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["api-version"] == API_VERSION
    assert response.json() == rulebook.decide(DESIGN_EXAMPLE).to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(flow=flow_dicts())
def test_any_valid_flow_decides_as_the_library(
    client: TestClient, openapi: dict[str, Any], rulebook: Rulebook, flow: dict[str, Any]
) -> None:
    book = rulebook
    for lang in ("nl", "en"):
        response = client.post(f"/v1/beslissingen?taal={lang}", json=flow)
        assert response.status_code == 200, response.text
        assert response.json() == book.decide(flow, lang).to_dict()
        _validator(openapi, "#/components/schemas/Beslissing").validate(response.json())


def test_english_explanation(client: TestClient, rulebook: Rulebook) -> None:
    response = client.post("/v1/beslissingen?taal=en", json=DESIGN_EXAMPLE)
    assert response.json()["uitleg"] == rulebook.decide(DESIGN_EXAMPLE, "en").uitleg
    assert response.json()["uitleg"] != rulebook.decide(DESIGN_EXAMPLE, "nl").uitleg


def test_named_rule_set_is_a_what_if(client: TestClient) -> None:
    standard = client.post("/v1/beslissingen", json=DESIGN_EXAMPLE).json()
    whatif = client.post("/v1/beslissingen?regelset=zonder-7.4.0", json=DESIGN_EXAMPLE).json()
    assert whatif == load_rulebook(WHATIF).decide(DESIGN_EXAMPLE).to_dict()
    assert whatif["rulebook"] != standard["rulebook"]
    assert "jw-7.4.0-verstrekking-college" in standard["regels"]
    assert "jw-7.4.0-verstrekking-college" not in whatif["regels"]


def test_unknown_rule_set_lists_the_configured_ones(client: TestClient) -> None:
    body = _problem(client.post("/v1/beslissingen?regelset=zonder", json=DESIGN_EXAMPLE), 400)
    (error,) = body["errors"]
    assert error["in"] == "query" and error["location"] == {"name": "regelset"}
    assert error["value"] == "zonder" and error["allowed"] == ["standaard", "zonder-7.4.0"]


def test_invalid_flow_lists_every_field(client: TestClient) -> None:
    flow = json.loads(json.dumps(DESIGN_EXAMPLE))
    flow["van"]["taak"] = "jeugdhulpp"
    flow["gegevens"]["categorie"] = 7
    flow["extra"] = True
    body = _problem(client.post("/v1/beslissingen", json=flow), 400)
    by_path = {e["path"]: e for e in body["errors"]}
    assert set(by_path) == {"van.taak", "gegevens.categorie", "extra"}
    taak = by_path["van.taak"]
    assert taak["in"] == "body" and taak["location"] == {"pointer": "/van/taak"}
    assert taak["value"] == "jeugdhulpp" and "jeugdhulp" in taak["allowed"]
    assert "did you mean 'jeugdhulp'" in taak["detail"]
    assert "diagnose" in by_path["gegevens.categorie"]["allowed"]
    assert by_path["extra"]["location"] == {"pointer": "/extra"}
    # the problems are the library's own
    with pytest.raises(InvalidInput) as exc:
        load_rulebook().decide(flow)
    assert [p.path for p in exc.value.problems] == [e["path"] for e in body["errors"]]


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.glob("*.json")))
def test_hostile_bodies_fail_closed(client: TestClient, openapi: dict[str, Any], name: str) -> None:
    """The hostile corpus of the command line, sent as bodies: 400 (or 413), never a decision."""
    if name == "expect.json":
        return
    raw = (HOSTILE / name).read_bytes()
    response = client.post(
        "/v1/beslissingen", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 413), (name, response.text)
    body = _problem(response, response.status_code)
    assert "oordeel" not in body
    _validator(openapi, "#/components/schemas/Probleem").validate(body)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"{", "invalid JSON"),
        (b'{"a": 1, "a": 2}', "duplicate key"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b"null", "must be a JSON object"),
    ],
)
def test_malformed_json_is_400(client: TestClient, body: bytes, fragment: str) -> None:
    response = client.post(
        "/v1/beslissingen", content=body, headers={"content-type": "application/json"}
    )
    assert fragment in _problem(response, 400)["detail"]


def test_other_media_type_is_415(client: TestClient) -> None:
    response = client.post(
        "/v1/beslissingen",
        content=json.dumps(DESIGN_EXAMPLE),
        headers={"content-type": "text/plain"},
    )
    assert "application/json" in _problem(response, 415)["detail"]


def test_charset_parameter_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/v1/beslissingen",
        content=json.dumps(DESIGN_EXAMPLE),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


def test_bad_language_is_400(client: TestClient) -> None:
    body = _problem(client.post("/v1/beslissingen?taal=de", json=DESIGN_EXAMPLE), 400)
    (error,) = body["errors"]
    assert error["in"] == "query" and error["path"] == "taal" and error["value"] == "de"
    assert error["allowed"] == ["nl", "en"]


# -- batch -------------------------------------------------------------------------------


def test_batch_keeps_order(client: TestClient, rulebook: Rulebook) -> None:
    other = {**DESIGN_EXAMPLE, "naar": {"taak": "veilig_thuis"}}
    flows = [DESIGN_EXAMPLE, other, DESIGN_EXAMPLE]
    response = client.post("/v1/beslissingen/batch", json={"verstrekkingen": flows})
    assert response.status_code == 200
    assert response.headers["api-version"] == API_VERSION
    expected = [rulebook.decide(f).to_dict() for f in flows]
    assert response.json() == {"beslissingen": expected}


def test_batch_above_inline_size_goes_through_the_thread_pool(
    client: TestClient, rulebook: Rulebook
) -> None:
    from pettenlogic.service.routes import beslissingen

    flows = [DESIGN_EXAMPLE] * MAX_BATCH
    assert len(flows) <= MAX_BATCH
    old = beslissingen.INLINE_BATCH
    beslissingen.INLINE_BATCH = 1
    try:
        response = client.post("/v1/beslissingen/batch", json={"verstrekkingen": flows})
    finally:
        beslissingen.INLINE_BATCH = old
    assert response.json()["beslissingen"] == [rulebook.decide(DESIGN_EXAMPLE).to_dict()] * 5


def test_batch_with_an_invalid_flow_decides_none(client: TestClient) -> None:
    bad = {**DESIGN_EXAMPLE, "van": {"taak": "nergens"}}
    worse = {**DESIGN_EXAMPLE, "naar": 3}
    flows = [DESIGN_EXAMPLE, bad, DESIGN_EXAMPLE, worse]
    body = _problem(client.post("/v1/beslissingen/batch", json={"verstrekkingen": flows}), 400)
    assert "beslissingen" not in body
    assert body["detail"] == "2 of 4 flows are invalid"
    paths = [e["path"] for e in body["errors"]]
    assert paths == ["verstrekkingen[1].van.taak", "verstrekkingen[3].naar"]
    assert body["errors"][0]["location"] == {"pointer": "/verstrekkingen/1/van/taak"}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ([DESIGN_EXAMPLE], 'expected an object {"verstrekkingen"'),
        ({"verstrekkingen": DESIGN_EXAMPLE}, "expected an array of flows"),
        ({"verstrekkingen": []}, "the batch is empty"),
        ({"verstrekkingen": [DESIGN_EXAMPLE], "taal": "en"}, "unknown key"),
        ({"verstrekkingen": [DESIGN_EXAMPLE] * (MAX_BATCH + 1)}, f"limit of {MAX_BATCH}"),
    ],
)
def test_batch_envelope_and_cap(client: TestClient, payload: Any, fragment: str) -> None:
    body = _problem(client.post("/v1/beslissingen/batch", json=payload), 400)
    assert fragment in body["detail"]


def test_batch_cap_is_in_the_document(openapi: dict[str, Any]) -> None:
    batch = openapi["components"]["schemas"]["BatchVerzoek"]["properties"]["verstrekkingen"]
    assert batch["maxItems"] == MAX_BATCH and batch["minItems"] == 1


# -- size cap ----------------------------------------------------------------------------


def test_declared_oversize_body_is_413(client: TestClient) -> None:
    flows = {"verstrekkingen": [DESIGN_EXAMPLE] * 20}
    raw = json.dumps(flows).encode()
    assert len(raw) > MAX_BODY
    response = client.post(
        "/v1/beslissingen/batch", content=raw, headers={"content-type": "application/json"}
    )
    assert str(MAX_BODY) in _problem(response, 413)["detail"]


def test_streamed_oversize_body_is_413(client: TestClient) -> None:
    """A chunked body (no Content-Length) is counted as it arrives."""

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 1000

    response = client.post(
        "/v1/beslissingen", content=chunks(), headers={"content-type": "application/json"}
    )
    _problem(response, 413)


# -- catalogue, properties, schema, health -------------------------------------------------


def test_catalogue(client: TestClient, rulebook: Rulebook, openapi: dict[str, Any]) -> None:
    response = client.get("/v1/regels")
    assert response.status_code == 200 and response.headers["api-version"] == API_VERSION
    body = response.json()
    assert body["rulebook"] == rulebook.digest
    assert [r["id"] for r in body["regels"]] == [r.id for r in rulebook.specs.regels]
    _validator(openapi, "#/components/schemas/Catalogus").validate(body)
    whatif = client.get("/v1/regels?regelset=zonder-7.4.0").json()
    assert len(whatif["regels"]) == len(body["regels"]) - 1


def test_every_rule(client: TestClient, rulebook: Rulebook, openapi: dict[str, Any]) -> None:
    validator = _validator(openapi, "#/components/schemas/Regel")
    for rule in rulebook.specs.regels:
        response = client.get(f"/v1/regels/{rule.id}")
        assert response.status_code == 200
        assert response.json() == regel_json(rule)
        validator.validate(response.json())


def test_unknown_rule_is_404_with_a_suggestion(client: TestClient) -> None:
    body = _problem(client.get("/v1/regels/jw-7.4.0-verstrekking-colege"), 404)
    assert "did you mean 'jw-7.4.0-verstrekking-college'" in body["detail"]
    _problem(client.get("/v1/regels/jw-7.4.0-verstrekking-college?regelset=zonder-7.4.0"), 404)


def test_malformed_rule_id_is_400(client: TestClient) -> None:
    body = _problem(client.get("/v1/regels/Hoofdletters"), 400)
    assert body["errors"][0]["in"] == "path"


def test_flow_schema_resource(client: TestClient, openapi: dict[str, Any]) -> None:
    response = client.get("/v1/schema/verstrekking")
    assert response.status_code == 200 and response.json() == flow_schema()
    body = openapi["paths"]["/beslissingen"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Verstrekking"
    }
    component = openapi["components"]["schemas"]["Verstrekking"]
    assert component == {k: v for k, v in flow_schema().items() if k not in ("$schema", "$id")}


def test_health(client: TestClient, rulebook: Rulebook, openapi: dict[str, Any]) -> None:
    body = client.get("/v1/gezondheid").json()
    assert body["status"] == "ok" and body["versie"] == API_VERSION
    assert [s["naam"] for s in body["regelsets"]] == ["standaard", "zonder-7.4.0"]
    assert body["regelsets"][0]["rulebook"] == rulebook.digest
    _validator(openapi, "#/components/schemas/Gezondheid").validate(body)


def _proved(app_client: TestClient) -> dict[str, Any]:
    first = app_client.get("/v1/eigenschappen").json()
    assert first["status"] in ("bezig", "klaar")
    state = app_client.app.state.pettenlogic  # type: ignore[attr-defined]
    assert state.regelsets["standaard"].proofs.wait(300)
    return app_client.get("/v1/eigenschappen").json()


def test_properties_with_their_proofs(client: TestClient, openapi: dict[str, Any]) -> None:
    body = _proved(client)
    assert body["status"] == "klaar" and body["fout"] is None
    assert body["eigenschappen"] and all(e["bewijs"] for e in body["eigenschappen"])
    assert all(e["bewijs"]["zoals_verwacht"] for e in body["eigenschappen"])
    _validator(openapi, "#/components/schemas/Eigenschappen").validate(body)


def test_properties_show_a_counterexample_on_broken_rules(tmp_path: Path) -> None:
    """A rule set whose 7.4.0 no longer rests on necessity: the property fails."""
    folder = copy_specs(tmp_path)
    edit_rule(folder, "jw-7.4.0-verstrekking-college", "    noodzaak: true\n", "")
    app = create_app(Settings(rules=str(folder), prove_at_startup=False, solver_timeout_s=60))
    body = _proved(TestClient(app))
    failed = [e for e in body["eigenschappen"] if not e["bewijs"]["zoals_verwacht"]]
    names = {e["naam"] for e in failed}
    assert "behandelgegevens-naar-toeleidingskant-alleen-als-noodzakelijk" in names
    bewijs = failed[0]["bewijs"]
    assert bewijs["uitkomst"] == "tegenvoorbeeld" and bewijs["tegenvoorbeeld"]


# -- conventions: headers, errors, trailing slashes, the document --------------------------


def test_trailing_slash_is_404_not_a_redirect(client: TestClient) -> None:
    response = client.get("/v1/regels/", follow_redirects=False)
    _problem(response, 404)


def test_unknown_path_and_method(client: TestClient) -> None:
    _problem(client.get("/v1/bestaat-niet"), 404)
    _problem(client.get("/"), 404)
    response = client.get("/v1/beslissingen")
    _problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_unexpected_error_is_a_bare_500(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="pettenlogic.service"):
        response = client.get("/v1/kapot")
    body = _problem(response, 500)
    assert "secret" not in response.text and "Traceback" not in response.text
    assert body["detail"] == "the service could not answer this request"
    assert any("secret internal detail" in r.getMessage() or r.exc_info for r in caplog.records)


def test_extra_router_is_mounted_under_v1_and_hidden_from_the_document(
    openapi: dict[str, Any],
) -> None:
    assert "/kapot" not in openapi["paths"]


def test_access_log_is_structured_and_leaves_bodies_out(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    from pettenlogic.service.logs import JsonFormatter

    raw = json.dumps(DESIGN_EXAMPLE).encode()
    with caplog.at_level(logging.INFO, logger="pettenlogic.service.access"):
        client.post(
            "/v1/beslissingen?taal=en", content=raw, headers={"content-type": "application/json"}
        )
    (record,) = [r for r in caplog.records if r.name == "pettenlogic.service.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["method"] == "POST" and line["path"] == "/v1/beslissingen"
    assert line["status"] == 200 and line["duration_ms"] >= 0
    assert line["request_bytes"] == len(raw) and line["response_bytes"] > 0
    assert "jeugdhulp" not in json.dumps(line) and "taal" not in json.dumps(line)


def test_document_follows_the_design_rules(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.1")
    assert openapi["info"]["version"] == API_VERSION
    assert set(openapi["info"]["contact"]) == {"name", "url", "email"}
    assert openapi["servers"] == [{"url": "/v1", "description": "this service"}]
    assert set(openapi["paths"]) == {
        "/beslissingen",
        "/beslissingen/batch",
        "/beslissingen/alternatieven",
        "/regels",
        "/regels/{id}",
        "/eigenschappen",
        "/schema/verstrekking",
        "/gezondheid",
        "/kaarten/{categorie}",
    }
    for path, item in openapi["paths"].items():
        assert not path.endswith("/")
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                assert "API-Version" in response["headers"], (path, method, code)
                if code[0] in "45":
                    assert list(response["content"]) == [PROBLEM], (path, method, code)
            if method == "post":
                assert {"400", "413", "415"} <= set(operation["responses"])
            assert "422" not in operation["responses"]
    regelset = next(
        p
        for p in openapi["paths"]["/beslissingen"]["post"]["parameters"]
        if p["name"] == "regelset"
    )
    assert regelset["schema"]["enum"] == ["standaard", "zonder-7.4.0"]


def test_every_response_carries_the_version(client: TestClient) -> None:
    for response in (
        client.get("/v1/openapi.json"),
        client.get("/v1/gezondheid"),
        client.get("/nergens"),
        client.post("/v1/beslissingen", content=b"x" * (MAX_BODY + 1)),
    ):
        assert response.headers["api-version"] == API_VERSION


def test_decision_text_cache_never_serves_a_stale_text(rulebook: Rulebook) -> None:
    """Fresh decisions (the evaluator makes a new object each time) are freed at once,
    so their ids are reused: the cache must notice and never answer another's text."""
    from pettenlogic.decision import kept_json

    other = {**DESIGN_EXAMPLE, "naar": {"taak": "veilig_thuis"}}
    for i in range(200):
        flow, lang = (DESIGN_EXAMPLE, other)[i % 2], ("nl", "en")[i % 3 % 2]
        decision = rulebook.decide(flow, lang)
        assert kept_json(decision).decode() == decision.to_json()
        del decision


def test_serve_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from click.testing import CliRunner

    from pettenlogic.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name)
    )
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 3
    assert "uvicorn" in result.output and "pip install 'pettenlogic[service]'" in result.output


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zonder-7.4.0", ("zonder-7.4.0", str(WHATIF))),
        ("eigen=/tmp/map", ("eigen", "/tmp/map")),
    ],
)
def test_serve_regelset_by_name_or_folder(value: str, expected: tuple[str, str]) -> None:
    import click

    from pettenlogic.cli.serve import _regelset

    got = _regelset(click.Context(click.Command("serve")), click.Option(["--x"]), (value,))
    assert [(n, str(Path(f).resolve()) if n != "eigen" else f) for n, f in got] == [
        (expected[0], str(Path(expected[1]).resolve()) if expected[0] != "eigen" else expected[1])
    ]


@pytest.mark.parametrize("value", ["zonder-7.4", "=dir", "naam="])
def test_serve_regelset_refuses_unknown_names(value: str) -> None:
    import click

    from pettenlogic.cli.serve import _regelset

    with pytest.raises(click.BadParameter) as err:
        _regelset(click.Context(click.Command("serve")), click.Option(["--x"]), (value,))
    assert "zonder-7.4.0" in str(err.value) or "NAAM=DIR" in str(err.value)


def test_flow_map_is_the_libraries_svg(client: TestClient, rulebook: Rulebook) -> None:
    """``GET /v1/kaarten/{categorie}``: the flow map the library draws, as an SVG image;
    an unknown category or law is a problem listing the allowed values."""
    from pettenlogic.docgen.flowmap import flow_map, flow_map_svg
    from pettenlogic.model.vocabulary import Categorie, Wet

    answer = client.get("/v1/kaarten/diagnose?wet=wmo")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.headers["API-Version"]
    expected = flow_map_svg(flow_map(rulebook.specs, Categorie.DIAGNOSE, Wet.WMO))
    assert answer.text == expected
    for bad in ("/v1/kaarten/diagnos", "/v1/kaarten/diagnose?wet=wmoo"):
        problem = client.get(bad)
        assert problem.status_code == 400
        assert problem.headers["content-type"].startswith("application/problem+json")
        assert "diagnose" in problem.text or "wmo" in problem.text
