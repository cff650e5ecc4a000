"""Helpers to build deliberately broken copies of the bundled spec folder.

Tests copy the bundled specs to a temporary folder and edit the YAML *text* of one
rule (so the loader, with its file:line checks, reads the broken rule exactly as a
policy author would have written it). Import as ``from broken_rules import ...``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pettenlogic.rules.loader import bundled_specs

ITEM = re.compile(r"^  - (?:id|naam): (\S+)\s*$", re.MULTILINE)


def copy_specs(tmp: Path, name: str = "specs") -> Path:
    """A private, editable copy of the bundled spec folder."""
    target = tmp / name
    shutil.copytree(bundled_specs(), target)
    return target


def _locate(folder: Path, item_id: str) -> tuple[Path, str, int, int]:
    """(file, text, start, end) of the YAML block of one rule / toekenning / aanvulling."""
    for path in sorted((folder / "rules").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        starts = [(m.start(), m.group(1)) for m in ITEM.finditer(text)]
        for i, (start, found) in enumerate(starts):
            if found == item_id:
                end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
                # stop at a following top-level key (e.g. 'toekenningen:') as well
                top = re.search(r"^\S", text[start:end], re.MULTILINE)
                if top is not None and top.start() > 0:
                    end = start + top.start()
                return path, text, start, end
    raise KeyError(f"no item {item_id!r} in {folder / 'rules'}")


def rule_block(folder: Path, item_id: str) -> str:
    _path, text, start, end = _locate(folder, item_id)
    return text[start:end]


def edit_rule(folder: Path, item_id: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once in the item's block) by ``new``."""
    path, text, start, end = _locate(folder, item_id)
    block = text[start:end]
    count = block.count(old)
    if count != 1:
        raise AssertionError(f"{item_id}: expected {old!r} once in its block, found {count}")
    path.write_text(text[:start] + block.replace(old, new) + text[end:], encoding="utf-8")


def drop_item(folder: Path, item_id: str) -> None:
    """Remove one item (its whole YAML block) from its file."""
    path, text, start, end = _locate(folder, item_id)
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def add_rules(folder: Path, name: str, yaml_text: str) -> Path:
    """Add a theme file (``regels:`` …) to the copy's rules folder."""
    path = folder / "rules" / name
    path.write_text(yaml_text, encoding="utf-8")
    return path
