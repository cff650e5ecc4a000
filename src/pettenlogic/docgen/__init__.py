"""Documentation pages generated from the rules, the vocabulary and the proofs (used by
``docs/conf.py`` at build time)."""
