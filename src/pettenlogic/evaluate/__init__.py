"""The concrete interpreter of the rules, its explanations, and its fast path.

:mod:`.interpreter` evaluates the rule AST for one flow (the reference semantics,
stated in docs/semantics.md); :mod:`.explain` words a trace in Dutch or English.
"""

from .interpreter import VERDICT_EFFECT, Evaluator, Trace, flatten

__all__ = ["VERDICT_EFFECT", "Evaluator", "Trace", "flatten"]
