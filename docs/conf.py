"""Sphinx configuration for the pettenlogic documentation.

The pages in ``generated/`` (rule catalogue with a page per rule, scenarios,
vocabulary reference, traceability table, property catalogue) are rendered from
the repository's ``specs/`` and ``tests/scenarios/`` by
:mod:`pettenlogic.docgen.build` every time Sphinx loads this file. They are
git-ignored.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.errors import ConfigError

from pettenlogic import SpecError, __version__
from pettenlogic.docgen.build import build_docs
from pettenlogic.docgen.gemeenten import write_gemeente_docs

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

try:
    # catalogue, one page per rule, scenarios, vocabulary, traceability, and the
    # property catalogue (proved now) and what-if tables included by verification.md
    build_docs(
        out_dir=HERE / "generated",
        specs_dir=REPO / "specs",
        scenarios_dir=REPO / "tests" / "scenarios",
        whatif_dir=REPO / "specs" / "whatif",
        decisions_md=HERE / "decisions.md",
    )
    # werkinstructie tables (generic and per example gemeente) and the gemeente schema
    write_gemeente_docs(HERE / "generated", REPO / "specs")
except SpecError as exc:
    raise ConfigError(
        "the rule files do not load, so the generated pages cannot be written:\n  "
        + "\n  ".join(exc.problems)
    ) from None

project = "pettenlogic"
author = "pettenlogic developers"
copyright = "pettenlogic developers"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}

html_theme = "alabaster"
html_title = f"pettenlogic {release}"
html_static_path = ["_static"]
language = "en"
