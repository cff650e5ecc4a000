"""``pettenlogic demo``: decide and explain the example flows shipped with the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from ..model.convert import check_flow_json, flow_from_json
from ..rules.loader import bundled_specs
from .common import LANG_OPTION, dump_json, fail, open_rulebook
from .text import render_decision

EXAMPLES_FILE = "examples.yaml"


def load_examples(path: Path) -> list[dict[str, Any]]:
    """The examples of ``examples.yaml``, each flow validated; exits 2 on any problem."""
    if not path.is_file():
        fail(f"{path}: examples file is missing (a packaging error: it ships with the specs)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        fail(f"{path}: cannot read examples: {exc}")
    items = data.get("voorbeelden") if isinstance(data, dict) else None
    if not isinstance(items, list):
        fail(f"{path}: expected a mapping with a list 'voorbeelden'")
    problems: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "flow" not in item:
            problems.append(f"voorbeelden[{i}]: expected a mapping with a 'flow'")
            continue
        name = item.get("naam", f"#{i}")
        problems.extend(f"voorbeelden[{i}] ({name}): {p}" for p in check_flow_json(item["flow"]))
    if problems:
        fail(f"{path}: invalid examples:", problems)
    return items


def _beschrijving(item: dict[str, Any], lang: str) -> str:
    text = item.get("beschrijving", "")
    if isinstance(text, dict):
        text = text.get(lang) or text.get("nl") or ""
    return " ".join(str(text).split())


@click.command()
@LANG_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def demo(lang: str, as_json: bool) -> None:
    """Decide the example flows that ship with the rules, and explain each."""
    items = load_examples(bundled_specs() / EXAMPLES_FILE)
    book = open_rulebook(None)
    results = [(item, book.decide(flow_from_json(item["flow"]), lang)) for item in items]
    if as_json:
        out = [
            {
                "naam": item.get("naam"),
                "thema": item.get("thema"),
                "sectie": item.get("sectie"),
                "beschrijving": _beschrijving(item, lang),
                "flow": item["flow"],
                "decision": decision.to_dict(),
            }
            for item, decision in results
        ]
        click.echo(dump_json(out))
        return
    blocks = []
    for i, (item, decision) in enumerate(results, 1):
        head = f"== {i}. {item.get('naam', '')} =="
        meta = [f"thema: {item.get('thema', '')}"]
        if item.get("sectie"):
            meta.append(f"sectie: {item['sectie']}")
        flow = json.dumps(item["flow"], ensure_ascii=False, separators=(",", ":"))
        blocks.append(
            "\n".join(
                [
                    head,
                    *meta,
                    _beschrijving(item, lang),
                    f"flow: {flow}",
                    render_decision(decision, lang),
                ]
            )
        )
    click.echo("\n\n".join(blocks))
