"""What every command shares: failing with exit 2, opening a rulebook, the common
options."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

import click

from ..rulebook import LANGS, Rulebook, load_rulebook
from ..rules.loader import SpecError, bundled_specs

#: exit code for invalid input or invalid specs (message on stderr, nothing on stdout)
EXIT_INVALID = 2


def fail(message: str, details: Iterable[str] = (), code: int = EXIT_INVALID) -> NoReturn:
    """Print ``message`` (and indented details) on stderr and exit with ``code``."""
    click.echo(f"pettenlogic: {message}", err=True)
    for line in details:
        click.echo(f"  {line}", err=True)
    sys.exit(code)


def open_rulebook(rules: str | None) -> Rulebook:
    """The rulebook of ``rules`` (bundled when None); exits 2 when it does not load."""
    try:
        return load_rulebook(rules)
    except SpecError as exc:
        fail(f"invalid rule folder {rules or bundled_specs()}:", exc.problems)


def open_gemeente_rulebook(gemeente: str, rules: str | None) -> Rulebook:
    """The rulebook within a gemeente's inrichting (or its lokaal rules); exits 2 when
    the gemeente file or the rules do not load."""
    from ..gemeente.rulebook import load_gemeente_rulebook

    try:
        return load_gemeente_rulebook(gemeente, rules)
    except SpecError as exc:
        fail(
            f"invalid rule folder {rules or bundled_specs()} or gemeente {gemeente}:", exc.problems
        )


def dump_json(value: Any) -> str:
    """Indented JSON with non-ASCII kept, as every command prints it."""
    return json.dumps(value, ensure_ascii=False, indent=2)


RULES_OPTION = click.option(
    "--rules",
    "rules",
    type=click.Path(file_okay=False, dir_okay=True),
    default=None,
    help="Spec folder (or its rules/ folder) to use instead of the bundled one.",
)
GEMEENTE_OPTION = click.option(
    "--gemeente",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE|NAME",
    help="A gemeente.yaml (or the name of a bundled example in specs/gemeenten/): "
    "use its inrichting and local policy.",
)
LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="nl",
    show_default=True,
    help="Language of texts and explanations.",
)


class PeildatumType(click.ParamType):
    """An ISO date option; anything else ends in a usage error naming value and format."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..model.peildatum import FORMAT, lees_datum

        if lees_datum(value) is None:
            self.fail(f"{value!r} is not a date; expected {FORMAT.split(',')[0]}", param, ctx)
        return str(value)


PEILDATUM = PeildatumType()
PEILDATUM_OPTION = click.option(
    "--peildatum",
    type=PEILDATUM,
    default=None,
    help="Decide by the law as in force on this day (for flows that name no peildatum;"
    " default: today).",
)
