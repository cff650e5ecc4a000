"""Exports of the rulebook to other policy engines, and their request mappings.

An export is derived from the rule AST and the vocabulary, never written by hand,
and is tested as an independent oracle: the other engine must give the same verdict
as the evaluator on random flows (:mod:`.cedar`).
"""
