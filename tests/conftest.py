"""Shared fixtures: the bundled rulebook, the contract's example flow, a spec copy."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pettenlogic import Rulebook, load_rulebook
from pettenlogic.rules.loader import bundled_specs

#: the service tests need the service extra (the test extra brings it); without it they are
#: left out, except in CI (PETTENLOGIC_CI_STRICT), where their import error then fails the run
collect_ignore: list[str] = []
if importlib.util.find_spec("fastapi") is None and not os.environ.get("PETTENLOGIC_CI_STRICT"):
    collect_ignore += [
        "test_service.py",
        "test_service_server.py",
        "test_speeltuin.py",
        "test_speeltuin_browser.py",
    ]

#: The example flow of the contract (docs/contract.md), verbatim.
DESIGN_EXAMPLE: dict[str, Any] = {
    "gegevens": {"categorie": "advies_voorziening", "betrokkene": {"leeftijd": 15}},
    "van": {"taak": "jeugdhulp"},
    "naar": {"taak": "toeleiding", "wet": "jeugdwet"},
    "professional": {
        "registratie": "skj",
        "beroepscode": True,
        "werkgever": "wijkteamorganisatie",
        "meldingsbevoegd": False,
    },
    "omstandigheden": {"toestemming": "niet_gevraagd", "noodzakelijk": True},
}


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook()


@pytest.fixture
def design_example() -> dict[str, Any]:
    return copy.deepcopy(DESIGN_EXAMPLE)


@pytest.fixture
def example_file(tmp_path: Path) -> Path:
    """The contract example written to a JSON file."""
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(DESIGN_EXAMPLE), encoding="utf-8")
    return path


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled spec folder, free to edit."""
    target = tmp_path / "specs"
    shutil.copytree(bundled_specs(), target)
    return target
