"""The playground in a real browser: headless Chromium (the Debian package) driven by
Playwright against the real server (uvicorn on 127.0.0.1), each shown verdict checked
against the library. Screenshots go to $PETTENLOGIC_SCREENSHOTS (default: a temporary
folder); CI keeps them.

Without Chromium or Playwright the tests are skipped, except in CI
(``PETTENLOGIC_CI_STRICT``, set by .ci/run), where that is a failure: the browser test is
part of what CI must show.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from pettenlogic import Rulebook
from pettenlogic.service.settings import ENV_SETTINGS, Settings
from pettenlogic.solver.nearest import nearest

STRICT = bool(os.environ.get("PETTENLOGIC_CI_STRICT"))
if STRICT:
    import playwright.sync_api as playwright
else:
    playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("PETTENLOGIC_CHROMIUM", "/usr/bin/chromium")
#: the launch flags of the machine notes: no sandbox as root, and no traffic to the outside
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000

if not Path(CHROMIUM).exists():
    if STRICT:
        raise RuntimeError(f"CI needs Chromium at {CHROMIUM} for the browser test")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``pettenlogic``'s app under uvicorn in its own process, as ``pettenlogic serve`` runs it."""
    port = _free_port()
    env = {**os.environ, ENV_SETTINGS: Settings(prove_at_startup=False).to_json()}
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "pettenlogic.service.app:app_from_environment",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/v1/gezondheid", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("PETTENLOGIC_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with a fresh, empty profile (never a browser downloaded by Playwright)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def group(page: Any, name: str) -> Any:
    """A fieldset by its legend (how a screen reader announces it)."""
    return page.get_by_role("group", name=name)


def shown_verdict(page: Any) -> str:
    return str(page.locator("#oordeel").text_content())


def wait_for_decision(page: Any, before: str | None = None) -> str:
    """The verdict the page shows, once the decision and its alternatives are in."""
    page.locator("#oordeel").wait_for()
    page.locator("#alternatieven .alternatieven").wait_for()
    if before is not None:
        page.wait_for_function(
            "b => document.querySelector('#beslissing').dataset.oordeel !== b", arg=before
        )
        page.locator("#alternatieven .alternatieven").wait_for()
    return shown_verdict(page)


def flow_in_url(page: Any) -> dict[str, Any]:
    """The flow the page put in its address, read back as flow JSON."""
    flow: dict[str, Any] = {}
    for key, raw in parse_qsl(urlsplit(page.url).query):
        if key == "taal":
            continue
        value: Any = json.loads(raw) if raw in ("true", "false", "null") or raw.isdigit() else raw
        *parents, leaf = key.split(".")
        node = flow
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return flow


def fill_design_example(page: Any) -> None:
    gegevens = group(page, "Gegevens de gegevens")
    gegevens.get_by_label("categorie").select_option("advies_voorziening")
    gegevens.get_by_label("leeftijd").fill("15")
    group(page, "Van de taak waar de gegevens zitten").get_by_label("taak").select_option(
        "jeugdhulp"
    )
    naar = group(page, "Naar de ontvangende taak")
    naar.get_by_label("taak").select_option("toeleiding")
    naar.get_by_label("wet").select_option("jeugdwet")
    professional = group(page, "Professional de verstrekkende professional")
    professional.get_by_label("registratie").select_option("skj")
    professional.get_by_label("beroepscode").check()
    professional.get_by_label("werkgever").select_option("wijkteamorganisatie")
    group(page, "Omstandigheden omstandigheden en oordelen").get_by_label(
        "noodzakelijk"
    ).select_option("true")


def test_fill_decide_flip_and_apply(
    page: Any, server: str, shots: Path, rulebook: Rulebook, design_example: dict[str, Any]
) -> None:
    page.goto(server + "/speeltuin")
    fill_design_example(page)
    page.get_by_role("button", name="Beslis").click()
    verdict = wait_for_decision(page)
    flow = flow_in_url(page)
    # what was typed is what was decided: the shareable address holds the design example
    assert rulebook.as_flow(flow) == rulebook.as_flow(design_example)
    decision = rulebook.decide(flow)
    assert verdict == decision.oordeel.value == "verplicht"
    rules = page.locator("#beslissing dd a").all_text_contents()
    assert rules == list(decision.regels)
    links = page.locator("#beslissing a[href^='https://']")
    urls = {b.url for b in decision.bronnen} | {b.url for p in decision.plichten for b in p.bronnen}
    assert set(links.evaluate_all("els => els.map(e => e.href)")) == urls - {None}
    assert page.locator(".uitleg").text_content() == decision.uitleg
    # the flow map of the flow's category is shown, drawn by the service
    kaart = page.locator("#kaart-beeld")
    kaart.wait_for()
    assert kaart.get_attribute("src") == "/v1/kaarten/advies_voorziening?wet=jeugdwet"
    assert kaart.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
    page.screenshot(path=str(shots / "speeltuin-beslissing.png"))

    # the alternatives shown are the library's, each with the verdict it promises
    expected = nearest(rulebook, flow).to_dict()["alternatieven"]
    cards = page.locator(".alternatief")
    assert cards.count() == len(expected)
    for card, alt in zip(cards.all(), expected, strict=True):
        assert card.get_attribute("data-oordeel") == alt["oordeel"]
        fields = card.locator("li code").all_text_contents()
        assert fields == [w["veld"] for w in alt["wijzigingen"]]
    page.locator("#wat-als").screenshot(path=str(shots / "speeltuin-alternatieven.png"))

    # flip a circumstance by hand: the verdict follows the library
    omstandigheden = group(page, "Omstandigheden omstandigheden en oordelen")
    omstandigheden.get_by_label("noodzakelijk").select_option("false")
    page.get_by_role("button", name="Beslis").click()
    flipped = wait_for_decision(page, before=verdict)
    flow = flow_in_url(page)
    assert flow["omstandigheden"]["noodzakelijk"] is False
    assert flipped == rulebook.decide(flow).oordeel.value
    page.screenshot(path=str(shots / "speeltuin-omgezet.png"))

    # apply a proposed change with its button: the page gets the promised verdict
    card = page.locator(".alternatief").first
    promised = card.get_attribute("data-oordeel")
    card.get_by_role("button", name="Pas deze wijziging toe").click()
    after = wait_for_decision(page, before=flipped)
    assert after == promised == rulebook.decide(flow_in_url(page)).oordeel.value


def test_keyboard_only_and_labels(page: Any, server: str, rulebook: Rulebook) -> None:
    """Every control has a label, every group a legend; Tab reaches the form in
    order, and Enter in a field decides."""
    page.goto(server + "/speeltuin")
    page.locator("#velden fieldset").first.wait_for()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button, textarea')]
             .filter(c => c.type !== 'submit' && c.type !== 'button'
                          && (!c.labels || c.labels.length === 0))
             .map(c => c.id || c.name)"""
    )
    assert unlabelled == []
    assert page.evaluate(
        "() => [...document.querySelectorAll('fieldset')].every(f => "
        "f.firstElementChild && f.firstElementChild.tagName === 'LEGEND')"
    )
    assert page.locator("#beslissing[aria-live]").count() == 1
    assert page.locator("#alternatieven[aria-live]").count() == 1

    # Tab from the top visits the skip link, then every enabled control in reading order
    controls = page.evaluate(
        """() => [...document.querySelectorAll(
                   '#verstrekking :is(input, select, button, a)')]
             .filter(c => !c.disabled && !(c.type === 'radio' && !c.checked))
             .map(c => c.name || c.id)"""
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    visited = []
    for _ in controls:
        page.keyboard.press("Tab")
        visited.append(page.evaluate("document.activeElement.name || document.activeElement.id"))
    assert visited == controls

    # fill in with the keyboard alone: ArrowDown picks the next value of a list
    page.locator("#veld-gegevens-categorie").focus()
    page.keyboard.press("ArrowDown")  # the first category
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "gegevens.betrokkene.leeftijd"
    page.keyboard.type("40")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "gegevens.betrokkene.relatie"
    page.keyboard.press("Tab")  # left absent: the client's own data
    assert page.evaluate("document.activeElement.name") == "van.taak"
    page.keyboard.press("ArrowDown")  # the first task, which takes a wet
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "van.wet"  # now enabled
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "naar.taak"
    for _ in range(9):  # the ninth task: jeugdhulp
        page.keyboard.press("ArrowDown")
    page.locator("#veld-gegevens-betrokkene-leeftijd").focus()
    page.keyboard.press("Enter")
    verdict = wait_for_decision(page)
    flow = flow_in_url(page)
    assert flow["gegevens"]["betrokkene"]["leeftijd"] == 40
    assert verdict == rulebook.decide(flow).oordeel.value


def test_shared_link_in_english(
    page: Any, server: str, shots: Path, rulebook: Rulebook, design_example: dict[str, Any]
) -> None:
    """A link holds the flow and the language: opening it decides the same flow."""
    query = "taal=en&" + "&".join(
        f"{k}={v}"
        for k, v in (
            ("gegevens.categorie", "diagnose"),
            ("van.taak", "jeugdhulp"),
            ("naar.taak", "handhaving"),
            ("omstandigheden.noodzakelijk", "true"),
        )
    )
    page.goto(f"{server}/speeltuin?{query}")
    verdict = wait_for_decision(page)
    flow = flow_in_url(page)
    decision = rulebook.decide(flow, lang="en")
    assert verdict == decision.oordeel.value
    assert page.locator(".uitleg").text_content() == decision.uitleg
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("button", name="Decide").is_visible()
    page.screenshot(path=str(shots / "speeltuin-engels.png"))


def test_a_link_with_an_unknown_value_is_not_decided(page: Any, server: str, shots: Path) -> None:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(
        server + "/speeltuin?gegevens.categorie=advies_voorziening&van.taak=jeugdhulp"
        "&naar.taak=toeleiding&omstandigheden.toestemming=misschien&omstandigheden.bestaat=true"
    )
    alert = page.get_by_role("alert")
    alert.locator("li").first.wait_for()
    items = alert.locator("li").all_text_contents()
    assert any("omstandigheden.toestemming=misschien" in i for i in items)
    assert any(i.startswith("omstandigheden.bestaat") for i in items)
    assert page.locator("#oordeel").count() == 0
    assert posts == []
    page.screenshot(path=str(shots / "speeltuin-foute-link.png"))
