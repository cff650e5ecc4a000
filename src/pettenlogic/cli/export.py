"""``pettenlogic export``: the rulebook in another engine's policy language.

Only Cedar for now (:mod:`pettenlogic.interop.cedar`): a policy set, its schema
and a manifest mapping Cedar's policy ids to rule ids, written into ``--out``.
"""

from __future__ import annotations

import click

from .common import RULES_OPTION, fail, open_rulebook

FORMATS = ("cedar",)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="Policy language to export to.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, dir_okay=True, writable=True),
    required=True,
    help="Folder to write the exported files into (created if needed).",
)
@RULES_OPTION
def export(fmt: str, out: str, rules: str | None) -> None:
    """Export the rules (allow/deny projection) with their schema into a folder.

    Allow means toegestaan or verplicht; duties, conditions, grounds, citations and
    explanations are not carried (see the interop page of the docs).
    """
    from ..interop.cedar import export as cedar_export

    rulebook = open_rulebook(rules)
    exported = cedar_export(rulebook.specs)
    try:
        paths = exported.write(out)
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    for path in paths:
        click.echo(str(path))
