"""Examples shipped with the rules, addressable by name, so that commands work the
same from any directory after an install (no paths into a source checkout)."""

from __future__ import annotations

from pathlib import Path

from ..model.convert import suggest
from .loader import SpecError, bundled_specs

#: folder of the bundled spec folder that holds one folder per what-if
WHATIF_DIR = "whatif"


def whatif_names() -> list[str]:
    """The names of the what-ifs shipped with the package, sorted."""
    folder = bundled_specs() / WHATIF_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "whatif.yaml").is_file())


def whatif_folder(name: str) -> Path:
    """The folder of the shipped what-if ``name``; a :class:`SpecError` names the known
    ones when there is none of that name."""
    names = whatif_names()
    if name not in names:
        shown = name if len(name) <= 60 else name[:60] + "…"
        raise SpecError(
            [f"unknown what-if {shown!r}{suggest(name, names)}; shipped: {', '.join(names)}"]
        )
    return bundled_specs() / WHATIF_DIR / name
