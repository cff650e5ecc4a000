"""Generated pages for the gemeente chapter: the werkinstructie tables (generic and per
bundled example gemeente) and the JSON Schema of ``gemeente.yaml``."""

from __future__ import annotations

import json
from pathlib import Path

from ..gemeente.format import gemeente_schema
from ..gemeente.loader import bundled_gemeenten, load_with_rules
from ..gemeente.werkinstructie import render, werkinstructie_rows
from ..rules.loader import load_specs
from .pages import write_pages


def write_gemeente_docs(out_dir: str | Path, specs_dir: str | Path) -> list[Path]:
    """Write ``werkinstructies.md`` and ``gemeente-schema.md`` into ``out_dir``."""
    parts = [
        "# Werkinstructies (generated)",
        "",
        "Generated from the rules when the documentation is built "
        "(`pettenlogic werkinstructie [--gemeente FILE]`).",
        "",
        render(werkinstructie_rows(load_specs(specs_dir))).replace("## ", "## ", 1),
    ]
    for name in bundled_gemeenten():
        gemeente, specs = load_with_rules(name, specs_dir)
        parts += ["", f"`pettenlogic werkinstructie --gemeente {name}`:", ""]
        parts.append(render(werkinstructie_rows(specs, gemeente), "markdown", gemeente))
    schema = json.dumps(gemeente_schema(), ensure_ascii=False, indent=2)
    pages = {
        "werkinstructies.md": "\n".join(parts) + "\n",
        "gemeente-schema.md": "# JSON Schema of gemeente.yaml (generated)\n\n"
        f"```json\n{schema}\n```\n",
    }
    return write_pages(pages, out_dir)
