"""The ``pettenlogic`` command line: one module per command group.

Exit codes per command are listed in the docs (command line page). Modules:
:mod:`.decide` (``decide``), :mod:`.catalogue` (``schema``, ``rules``),
:mod:`.demo` (``demo``), :mod:`.maps` (``kaart``), :mod:`.verify` (``prove``, ``check``,
``diff``), :mod:`.serve` (``serve``, the HTTP API), :mod:`.export` (``export``),
:mod:`.gemeente` (``inrichtingen``, ``werkinstructie`` and the audit of ``check --gemeente``),
:mod:`.reach` (``bereik``), :mod:`.casus` (``casus``);
:mod:`.reading`, :mod:`.jsonl` and :mod:`.progress` read and stream flows,
:mod:`.text` renders a decision, :mod:`.common` holds what they share.
"""

from __future__ import annotations

import click

from .. import __version__
from . import casus, catalogue, decide, demo, export, gemeente, maps, reach, serve, verify
from .reading import MAX_ERROR_LINES, MAX_FLOWS, MAX_INPUT_MIB

__all__ = ["MAX_ERROR_LINES", "MAX_FLOWS", "MAX_INPUT_MIB", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pettenlogic")
def main() -> None:
    """Decide, explain and cite data flows between the tasks (petten) of a wijkteam."""


for _command in (
    decide.decide,
    catalogue.schema,
    catalogue.rules,
    demo.demo,
    maps.kaart,
    verify.prove,
    verify.check,
    verify.diff,
    serve.serve,
    export.export,
    gemeente.inrichtingen,
    gemeente.werkinstructie,
    reach.bereik,
    casus.casus,
):
    main.add_command(_command)
