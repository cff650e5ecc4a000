"""Rule conditions as generated Python: one function per ``van.taak``, made from the AST.

The interpreter walks closures, one call per node. For the compiled path the same
conditions are partially evaluated for one ``van.taak`` (:class:`Specialiser`:
what that task decides folds to a constant) and written out as straight-line Python:
the fields read become locals, each definition a local computed once, and each
condition one ``if`` that sets a bit. Python compiles that source once; a call
then costs a few microseconds for the whole rule set.

Only the AST reaches the source. Field names, definition names and values enter as
``repr`` of plain JSON values (str, int, bool, None) or as named constants (sets),
so the generated code reads the same rules the interpreter reads, and nothing from
a flow ever becomes code. :func:`source_of` shows the source for reading.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..rules.expr import And, Cmp, Const, Expr, Flag, In, Not, Or, Ref, Same
from .residue import Residue

Values = tuple[Any, ...]
_ORDER = frozenset({"<", "<=", ">", ">="})
_LITERAL = (str, int, bool, type(None))


class Specialiser(Residue):
    """Partial evaluation that keeps definitions by name unless they fold to a
    constant, so a definition used by many rules is computed once."""

    def __init__(self, definitions: Mapping[str, Expr], known: Mapping[str, Any]) -> None:
        super().__init__(definitions, known)
        self.folded: dict[str, Expr] = {}

    def definition(self, name: str) -> Expr:
        if name not in self.folded:
            self.folded[name] = super().of(Ref(name))
        return self.folded[name]

    def of(self, e: Expr) -> Expr:
        if isinstance(e, Ref):
            folded = self.definition(e.name)
            return folded if isinstance(folded, Const) else e
        return super().of(e)


class _Writer:
    """Renders specialised expressions as Python expressions over named locals."""

    def __init__(self, spec: Specialiser) -> None:
        self.spec = spec
        self.fields: dict[str, str] = {}
        self.defs: dict[str, str] = {}
        self.def_source: list[tuple[str, str]] = []  # (local, expression) in dependency order
        self.consts: dict[str, Any] = {}

    def field(self, path: str) -> str:
        if path not in self.fields:
            self.fields[path] = f"f{len(self.fields)}"
        return self.fields[path]

    def literal(self, value: Any) -> str:
        if type(value) in _LITERAL:
            return repr(value)
        name = f"K{len(self.consts)}"
        self.consts[name] = value
        return name

    def ref(self, name: str) -> str:
        if name not in self.defs:
            body = self.expr(self.spec.definition(name))  # its own definitions come first
            self.defs[name] = f"d{len(self.defs)}"
            self.def_source.append((self.defs[name], body))
        return self.defs[name]

    def expr(self, e: Expr) -> str:
        if isinstance(e, Cmp):
            x, v = self.field(e.field), self.literal(e.value)
            if e.op == "==":
                return f"({x} == {v})"
            if e.op == "!=":
                return f"({x} != {v})"
            assert e.op in _ORDER, e.op
            return f"({x} is not None and {x} {e.op} {v})"
        if isinstance(e, In):
            x = self.field(e.field)
            return f"({x} {'not in' if e.negated else 'in'} {self.literal(frozenset(e.values))})"
        if isinstance(e, Same):
            op = "!=" if e.negated else "=="
            return f"({self.field(e.left)} {op} {self.field(e.right)})"
        if isinstance(e, Flag):
            return f"({self.field(e.field)} is True)"
        if isinstance(e, Const):
            return "True" if e.value else "False"
        if isinstance(e, Not):
            return f"(not {self.expr(e.operand)})"
        if isinstance(e, And | Or):
            joiner = " and " if isinstance(e, And) else " or "
            return "(" + joiner.join(self.expr(o) for o in e.operands) + ")"
        assert isinstance(e, Ref), e
        return self.ref(e.name)


def source_of(
    definitions: Mapping[str, Expr],
    known: Mapping[str, Any],
    groups: Sequence[Sequence[Expr]],
    fields: Sequence[str],
) -> tuple[str, dict[str, Any]]:
    """The source of ``bits(vals)``: per group of conditions an int whose bit ``i`` is
    the truth of condition ``i`` (for flows with the ``known`` values), and the
    constants it needs. ``vals`` holds the flow's leaf values in ``fields`` order
    (the acceptor's values)."""
    spec = Specialiser(definitions, known)
    w = _Writer(spec)
    body: list[str] = []
    for g, conds in enumerate(groups):
        # equal conditions (copies, restatements) are tested once and set all their bits
        masks: dict[Expr, int] = {}
        for i, cond in enumerate(conds):
            folded = spec.of(cond)
            if folded != Const(False):
                masks[folded] = masks.get(folded, 0) | 1 << i
        # masks in hex: a decimal literal of a high bit (rule 15,000) would pass
        # Python's limit on converting long integers to decimal text
        always = masks.pop(Const(True), 0)
        body.append(f"    b{g} = {always:#x}")
        for folded, mask in masks.items():
            body.append(f"    if {w.expr(folded)}:")
            body.append(f"        b{g} |= {mask:#x}")
    index = {path: i for i, path in enumerate(fields)}
    lines = ["def bits(vals):"]
    lines += [f"    {local} = vals[{index[path]}]" for path, local in w.fields.items()]
    lines += [f"    {local} = {expr}" for local, expr in w.def_source]
    lines += body
    lines.append("    return (" + ", ".join(f"b{g}" for g in range(len(groups))) + ",)")
    return "\n".join(lines), w.consts


#: the only syntax the generated source may contain (checked before it is compiled)
_ALLOWED = (
    ast.Module,
    ast.FunctionDef,
    ast.arguments,
    ast.arg,
    ast.Assign,
    ast.AugAssign,
    ast.If,
    ast.Return,
    ast.Tuple,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Constant,
    ast.Subscript,
    ast.Compare,
    ast.BoolOp,
    ast.UnaryOp,
    ast.And,
    ast.Or,
    ast.Not,
    ast.BitOr,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Is,
    ast.IsNot,
    ast.In,
    ast.NotIn,
)


class UnsafeSource(ValueError):
    """Generated source that is not of the expected shape (a bug, never input)."""


def check_source(source: str) -> None:
    """Refuse generated source with any syntax besides assignments, ``if``, comparisons
    and boolean operators over locals, literals and ``vals[...]``; every subscript reads
    ``vals`` at a literal index, and every constant is a plain literal."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise UnsafeSource(f"generated source contains {type(node).__name__}")
        if isinstance(node, ast.Subscript) and not (
            isinstance(node.value, ast.Name)
            and node.value.id == "vals"
            and isinstance(node.slice, ast.Constant)
            and type(node.slice.value) is int
        ):
            raise UnsafeSource("generated source subscripts something other than vals")
        if isinstance(node, ast.Constant) and type(node.value) not in _LITERAL:
            raise UnsafeSource(f"generated source has a {type(node.value).__name__} literal")
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise UnsafeSource("generated source must be exactly one function")


def compile_bits(
    definitions: Mapping[str, Expr],
    known: Mapping[str, Any],
    groups: Sequence[Sequence[Expr]],
    fields: Sequence[str],
) -> Callable[[Values], tuple[int, ...]]:
    """:func:`source_of`, checked by :func:`check_source` and compiled."""
    source, consts = source_of(definitions, known, groups, fields)
    check_source(source)
    namespace: dict[str, Any] = dict(consts)
    exec(compile(source, "<pettenlogic conditions>", "exec"), namespace)
    fn: Callable[[Values], tuple[int, ...]] = namespace["bits"]
    return fn
