"""Z3: the rules compiled to formulas, and what is proved with them (properties,
conflicts and dead rules, semantic diffs between two rule sets)."""
