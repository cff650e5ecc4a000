"""The condition language: a typed expression AST and its safe parser.

Conditions are written in a small subset of Python expression syntax and parsed
with :mod:`ast` against a whitelist (nothing is ever evaluated by Python):

* field paths: ``van.taak``, ``omstandigheden.conflict_van_plichten.doelmatig``
* comparisons of a field with a literal (or, with ``==``/``!=``, with another field of
  the same enum type): ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``
* membership: ``gegevens.categorie in ['diagnose', 'behandelplan']`` or ``in SETNAME``
* ``and``, ``or``, ``not``, parentheses, ``True``/``False``/``None``
* a bare boolean field, or the name of a definition (derived predicate)

A condition is plain printable ASCII: no ``#`` (Python would read the rest as a
comment), no backslashes, no semicolons and no other characters (Python folds
fullwidth and other look-alike letters to ASCII). Every character written is read.

The same AST is read by the evaluator and by the Z3 compiler.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from ..model.convert import suggest
from ..model.fields import FieldSpec, flow_fields
from .yamlsrc import MAX_ECHO, describe, echo


@attrs.frozen
class Cmp:
    """``field op value``; a comparison with an unknown (None) value is false."""

    field: str
    op: str
    value: Any


@attrs.frozen
class In:
    """``field in values`` (or ``not in`` when negated)."""

    field: str
    values: frozenset[Any]
    negated: bool = False
    set_name: str | None = attrs.field(default=None, eq=False)
    """the value set's name when written as ``in NAME`` (for display only)"""


@attrs.frozen
class Same:
    """``left == right`` (or ``!=`` when negated) for two fields of one enum type."""

    left: str
    right: str
    negated: bool = False


@attrs.frozen
class Flag:
    """A boolean field used as a condition."""

    field: str


@attrs.frozen
class Ref:
    """A reference to a named definition (derived predicate)."""

    name: str


@attrs.frozen
class Const:
    value: bool


# The composite expressions keep their hash: expressions are dict keys throughout the
# compiled path and the solver (residues, memo tables), and an uncached hash walks the
# whole tree every time.
@attrs.frozen(cache_hash=True)
class Not:
    operand: Expr


@attrs.frozen(cache_hash=True)
class And:
    operands: tuple[Expr, ...]


@attrs.frozen(cache_hash=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Cmp | In | Same | Flag | Ref | Const | Not | And | Or

TRUE = Const(True)

_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_LITERAL_NAMES = {
    "True": True,
    "False": False,
    "None": None,
    "true": True,
    "false": False,
    "null": None,
}


#: deepest nesting of and/or/not a condition may have (keeps every interpreter's
#: recursion bounded; real conditions are a handful of levels deep)
MAX_DEPTH = 64
#: deepest Python syntax tree a condition may parse to (dotted names and minus signs
#: count too); the parser and error messages walk it recursively
MAX_SYNTAX_DEPTH = 200
#: largest integer a condition may write (the only number field is an age)
MAX_INT_LITERAL = 1_000_000_000

#: what a condition may contain besides printable ASCII: whitespace that folds to a space
_NOT_ASCII = re.compile(r"[^\t\n\r\x20-\x7e]")
#: printable ASCII that would make Python skip or splice text
_HIDING = {
    "#": "'#' is not allowed in a condition (Python would read the rest as a comment)",
    "\\": "a backslash is not allowed in a condition",
    ";": "';' is not allowed in a condition",
}


class ExprError(ValueError):
    """A condition that does not parse or does not type-check."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        super().__init__(message)


@attrs.frozen
class Scope:
    """What names a condition may use besides field paths."""

    definitions: frozenset[str] = frozenset()
    value_sets: Mapping[str, tuple[str, frozenset[str]]] = attrs.field(factory=dict)
    """name → (enum kind, values)"""


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _snippet(node: ast.AST) -> str:
    """Source of a node for a message, cut short."""
    text = ast.unparse(node)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 3] + "..."


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 3] + "..."


class _Parser:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.fields = flow_fields()

    def fail(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, getattr(node, "col_offset", None))

    def field(self, node: ast.expr) -> FieldSpec:
        path = _dotted(node)
        if path is None:
            raise self.fail(
                node,
                f"construct not allowed in a condition: '{_snippet(node)}' "
                "(a comparison needs a field path on the left)",
            )
        if path not in self.fields:
            raise self.fail(node, f"unknown field '{_cut(path)}'{suggest(path, list(self.fields))}")
        if self.fields[path].kind == "date":
            raise self.fail(
                node,
                f"field '{path}' cannot be used in a condition: a rule states the law version "
                "it encodes with geldig_van and geldig_tot",
            )
        return self.fields[path]

    def literal(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, str | int | bool | None):
            return node.value
        if isinstance(node, ast.Name) and node.id in _LITERAL_NAMES:
            return _LITERAL_NAMES[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.literal(node.operand)
            if isinstance(inner, int) and not isinstance(inner, bool):
                return -inner
        raise self.fail(node, f"expected a literal value, got '{_snippet(node)}'")

    def check_value(self, spec: FieldSpec, value: Any, node: ast.AST) -> Any:
        if value is None:
            if not spec.optional:
                raise self.fail(node, f"field '{spec.path}' is never null")
            return None
        if spec.kind == "enum":
            if not isinstance(value, str) or value not in spec.values:
                allowed = ", ".join(spec.values)
                raise self.fail(
                    node,
                    f"unknown value {echo(value)} for '{spec.path}'"
                    f"{suggest(value, list(spec.values))}"
                    f"; allowed: {allowed}",
                )
            return value
        if spec.kind in ("bool", "tribool"):
            if not isinstance(value, bool):
                raise self.fail(node, f"field '{spec.path}' is boolean, got {echo(value)}")
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, f"field '{spec.path}' is an integer, got {echo(value)}")
        return value

    def parse(self, node: ast.expr, depth: int = 0) -> Expr:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"condition nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(node, ast.BoolOp):
            items = tuple(self.parse(v, depth + 1) for v in node.values)
            return And(items) if isinstance(node.op, ast.And) else Or(items)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.parse(node.operand, depth + 1))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return Const(node.value)
        if isinstance(node, ast.Name) and node.id in ("True", "False", "true", "false"):
            return Const(bool(_LITERAL_NAMES[node.id]))
        if isinstance(node, ast.Name) and node.id in self.scope.definitions:
            return Ref(node.id)
        path = _dotted(node)
        if path is not None:
            if path in self.fields:
                spec = self.fields[path]
                if spec.kind != "bool":
                    raise self.fail(
                        node,
                        f"field '{path}' is {spec.kind}, not boolean: compare it with a value",
                    )
                return Flag(path)
            options = list(self.fields) + sorted(self.scope.definitions)
            raise self.fail(
                node, f"unknown field or definition '{_cut(path)}'{suggest(path, options)}"
            )
        raise self.fail(node, f"construct not allowed in a condition: '{_snippet(node)}'")

    def compare(self, node: ast.Compare) -> Expr:
        if len(node.ops) != 1:
            raise self.fail(node, "chained comparisons are not allowed; use 'and'")
        op, right = node.ops[0], node.comparators[0]
        spec = self.field(node.left)
        if isinstance(op, ast.In | ast.NotIn):
            values = self.members(spec, right)
            name = right.id if isinstance(right, ast.Name) else None
            return In(spec.path, values, negated=isinstance(op, ast.NotIn), set_name=name)
        if isinstance(op, ast.Is | ast.IsNot):
            value = self.check_value(spec, self.literal(right), right)
            return Cmp(spec.path, "==" if isinstance(op, ast.Is) else "!=", value)
        if type(op) not in _OPS:
            raise self.fail(node, f"operator not allowed: {_snippet(node)}")
        symbol = _OPS[type(op)]
        other = _dotted(right)
        if other is not None and other in self.fields:
            return self.same(spec, self.fields[other], symbol, node)
        value = self.check_value(spec, self.literal(right), right)
        if symbol not in ("==", "!=") and spec.kind != "int":
            raise self.fail(node, f"'{symbol}' needs a numeric field; '{spec.path}' is {spec.kind}")
        if symbol not in ("==", "!=") and value is None:
            raise self.fail(node, f"cannot order-compare '{spec.path}' with None")
        return Cmp(spec.path, symbol, value)

    def same(self, left: FieldSpec, right: FieldSpec, symbol: str, node: ast.AST) -> Expr:
        if symbol not in ("==", "!="):
            raise self.fail(node, "fields can only be compared with == or !=")
        if left.enum is None or left.enum is not right.enum:
            raise self.fail(
                node, f"'{left.path}' and '{right.path}' are not fields of the same enum type"
            )
        return Same(left.path, right.path, negated=symbol == "!=")

    def members(self, spec: FieldSpec, node: ast.expr) -> frozenset[Any]:
        if isinstance(node, ast.Name) and node.id in self.scope.value_sets:
            kind, values = self.scope.value_sets[node.id]
            if spec.enum is None or spec.enum.__name__.lower() != kind:
                raise self.fail(
                    node, f"value set '{node.id}' holds {kind} values; '{spec.path}' is not {kind}"
                )
            return values
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            if not node.elts:
                raise self.fail(node, "empty value list")
            return frozenset(self.check_value(spec, self.literal(e), e) for e in node.elts)
        if isinstance(node, ast.Name):
            hint = suggest(node.id, list(self.scope.value_sets))
            raise self.fail(node, f"unknown value set '{_cut(node.id)}'{hint}")
        raise self.fail(node, "'in' needs a list of values or the name of a value set")


def condition_text(text: Any) -> str:
    """The text of a condition with its whitespace folded, if every character in it is
    one the parser reads; raise :class:`ExprError` (with the column) otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("a condition must be a non-empty string")
    bad = _NOT_ASCII.search(text)
    if bad:
        column = len(" ".join((text[: bad.start()] + "x").split())) - 1
        raise ExprError(
            f"{describe(bad.group())} is not allowed in a condition (conditions are plain ASCII)",
            column,
        )
    folded = " ".join(text.split())
    for char, message in _HIDING.items():
        if char in folded:
            raise ExprError(message, folded.index(char))
    return folded


def syntax_tree(text: Any) -> ast.expr:
    """The Python syntax tree of a condition, checked to be shallow and to hold no
    integer too large to print (Python refuses more than 4,300 digits)."""
    folded = condition_text(text)
    try:
        tree = ast.parse(folded, mode="eval")
    except SyntaxError as exc:
        column = exc.offset - 1 if exc.offset else None  # SyntaxError counts from 1
        raise ExprError(f"syntax error: {exc.msg}", column) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"condition nested too deeply (more than {MAX_DEPTH} levels)") from None
    _check_tree(tree.body)
    return tree.body


def _check_tree(body: ast.expr) -> None:
    """Refuse a tree deeper than ``MAX_SYNTAX_DEPTH`` or with an integer out of range
    (walked without recursion: the tree may be deep)."""
    stack: list[tuple[ast.AST, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        column = getattr(node, "col_offset", None)
        if depth > MAX_SYNTAX_DEPTH:
            message = f"more than {MAX_SYNTAX_DEPTH} levels of syntax"
            raise ExprError(f"condition nested too deeply ({message})", column)
        value = getattr(node, "value", None) if isinstance(node, ast.Constant) else None
        if type(value) is int and abs(value) > MAX_INT_LITERAL:
            raise ExprError(f"integer literal out of range (at most {MAX_INT_LITERAL:,})", column)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def parse_condition(text: str, scope: Scope) -> Expr:
    """Parse and type-check one condition string; raise :class:`ExprError`."""
    return _Parser(scope).parse(syntax_tree(text))


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of an expression, depth first."""
    yield expr
    if isinstance(expr, Not):
        yield from walk(expr.operand)
    elif isinstance(expr, And | Or):
        for item in expr.operands:
            yield from walk(item)


def references(expr: Expr) -> set[str]:
    """Names of definitions an expression refers to directly."""
    return {n.name for n in walk(expr) if isinstance(n, Ref)}


def conjoin(*items: Expr) -> Expr:
    parts = tuple(i for i in items if i != TRUE)
    if not parts:
        return TRUE
    return parts[0] if len(parts) == 1 else And(parts)


def unparse(expr: Expr) -> str:
    """A readable string form of an expression (for docs and messages)."""
    if isinstance(expr, Cmp):
        return f"{expr.field} {expr.op} {expr.value!r}"
    if isinstance(expr, In):
        values = ", ".join(repr(v) for v in sorted(expr.values, key=str))
        shown = expr.set_name or f"[{values}]"
        return f"{expr.field} {'not in' if expr.negated else 'in'} {shown}"
    if isinstance(expr, Same):
        return f"{expr.left} {'!=' if expr.negated else '=='} {expr.right}"
    if isinstance(expr, Flag):
        return expr.field
    if isinstance(expr, Ref):
        return expr.name
    if isinstance(expr, Const):
        return str(expr.value)
    if isinstance(expr, Not):
        return f"not ({unparse(expr.operand)})"
    joiner = " and " if isinstance(expr, And) else " or "
    return "(" + joiner.join(unparse(o) for o in expr.operands) + ")"


Env = Mapping[str, Any]
Predicate = Callable[[Env, dict[str, bool]], bool]
