"""Properties: statements about every well-formed flow and its decision.

A property file (``specs/properties/*.yaml``) lists ``eigenschappen``. Each one
says: for every well-formed flow satisfying ``voor``, ``geldt`` holds. A *pair*
property ranges over two flows ``a`` and ``b`` that are equal except in the
fields listed under ``verschil`` (2-safety, e.g. "the employer never matters").

The language is the rule condition language plus facts about the decision:

* ``oordeel == 'verplicht'``, ``oordeel in [...]``,
  ``verwerkingsverantwoordelijke == 'college'``
* ``plicht('meldcode_volgen')``, ``voorwaarde('noodzakelijkheid')``,
  ``grondslag('eu-gdpr:A6-1-b')``, ``regel('rule-id')`` (a deciding rule),
  ``bron('jeugdwet', '7.4.0')`` or ``bron('jeugdwet', '7.4.0', '1')`` (cited)
* in pair properties every name starts with ``a.`` or ``b.``; ``gelijk`` lists
  decision parts that must be equal for ``a`` and ``b``.

A *chain* property (``keten:`` with ``begin``, ``stap`` and ``einde``, each in
the language above) says that no chain of permitted flows exists whose first step
meets ``begin``, every step ``stap`` and the last step ``einde``
(:mod:`.reach` proves it; docs/reachability.md gives the semantics).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..decision import Decision
from ..evaluate import Evaluator, Trace
from ..evaluate.interpreter import _Compiler
from ..model.convert import suggest
from ..model.fields import flow_fields
from ..model.vocabulary import (
    Effect,
    Laag,
    Oordeel,
    Plicht,
    Regeling,
    Verwerkingsverantwoordelijke,
    Voorwaarde,
)
from ..rules.expr import TRUE, And, Const, Expr, ExprError, Not, Or, Scope, _Parser, syntax_tree
from ..rules.loader import SpecError, _Ctx, _get, _keys, _Missing, _tekst, resolve_dirs
from ..rules.spec import Specs, Tekst
from ..rules.yamlsrc import Located, YamlError, load_yaml

VERWACHT = ("geldt", "tegenvoorbeeld")
PARTS = (
    "oordeel",
    "plichten",
    "voorwaarden",
    "grondslag",
    "bronnen",
    "regels",
    "beroepsgeheim",
    "verwerkingsverantwoordelijke",
)
FUNCTIONS: dict[str, int | tuple[int, ...]] = {
    "plicht": 1,
    "voorwaarde": 1,
    "grondslag": 1,
    "regel": 1,
    "bron": (2, 3),
    "effectief": 2,  # effectief('verbod', 'wet'): an effective rule with that effect and layer
    "noodzaak_beslist": 0,  # a deciding rule rests on necessity
}


@attrs.frozen
class Atom:
    """A fact about the decision (property language only)."""

    kind: str  # oordeel | vvo | plicht | voorwaarde | grondslag | regel | bron
    args: tuple[str, ...]


@attrs.frozen
class OnSide:
    """Evaluate ``operand`` on flow ``a`` or ``b`` of a pair property."""

    side: str
    operand: Expr | Atom  # an Or/Not here may have Atom operands (see decision_compare)


@attrs.frozen
class Ketenvorm:
    """A chain property: no chain with ``begin`` on its first step, ``stap`` on every
    step and ``einde`` on its last."""

    begin: Any
    stap: Any
    einde: Any


KETEN_KEYS = ("begin", "stap", "einde")


@attrs.frozen
class Eigenschap:
    """One property to prove."""

    naam: str
    uitleg: Tekst
    sectie: str
    verwacht: str
    voor: Any  # Expr (with Atom/OnSide)
    geldt: Any
    verschil: tuple[str, ...] = ()
    gelijk: tuple[str, ...] = ()
    toelichting: str = ""
    waar: str = ""
    keten: Ketenvorm | None = None

    @property
    def paar(self) -> bool:
        return bool(self.verschil) or bool(self.gelijk)


class _PropertyParser(_Parser):
    """The rule parser plus decision atoms and (for pairs) ``a.``/``b.`` sides."""

    def __init__(self, scope: Scope, specs: Specs, pair: bool) -> None:
        super().__init__(scope)
        self.specs = specs
        self.pair = pair
        self.side: str | None = None

    def _strip_side(self, node: ast.expr) -> tuple[str | None, ast.expr]:
        if not self.pair:
            return None, node
        root = node
        chain: list[ast.Attribute] = []
        while isinstance(root, ast.Attribute):
            chain.append(root)
            root = root.value
        if isinstance(root, ast.Name) and root.id in ("a", "b") and chain:
            first = chain[-1]
            rebuilt: ast.expr = ast.Name(id=first.attr, ctx=ast.Load())
            for attr in reversed(chain[:-1]):
                rebuilt = ast.Attribute(value=rebuilt, attr=attr.attr, ctx=ast.Load())
            ast.copy_location(rebuilt, node)
            return root.id, rebuilt
        raise self.fail(node, "in a pair property every name starts with 'a.' or 'b.'")

    def parse(self, node: ast.expr, depth: int = 0) -> Any:
        if isinstance(node, ast.BoolOp | ast.UnaryOp):
            return super().parse(node, depth)
        if isinstance(node, ast.Constant | ast.Name) and _is_bool_literal(node):
            return super().parse(node, depth)
        target = node.left if isinstance(node, ast.Compare) else node
        func = target.func if isinstance(target, ast.Call) else target
        side, stripped = self._strip_side(func)
        if isinstance(node, ast.Compare):
            inner = ast.Compare(
                left=stripped if not isinstance(target, ast.Call) else target,
                ops=node.ops,
                comparators=node.comparators,
            )
            ast.copy_location(inner, node)
            result = self.decision_compare(inner) or super().parse(inner, depth)
        elif isinstance(node, ast.Call):
            result = self.call(node, stripped)
        else:
            result = super().parse(stripped, depth)
        return OnSide(side, result) if side else result

    def decision_compare(self, node: ast.Compare) -> Any:
        if not isinstance(node.left, ast.Name):
            return None
        enums = {
            "oordeel": ("oordeel", Oordeel),
            "verwerkingsverantwoordelijke": ("vvo", Verwerkingsverantwoordelijke),
        }
        if node.left.id not in enums:
            return None
        kind, enum = enums[node.left.id]
        allowed = [m.value for m in enum]
        op, right = node.ops[0], node.comparators[0]
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(right, ast.List | ast.Tuple | ast.Set):
                raise self.fail(node, f"'{node.left.id} in' needs a list of values")
            values = [self.literal(e) for e in right.elts]
        elif isinstance(op, ast.Eq | ast.NotEq):
            values = [self.literal(right)]
        else:
            raise self.fail(node, f"'{node.left.id}' can only be compared with ==, != or in")
        for v in values:
            if v not in allowed:
                raise self.fail(
                    node,
                    f"unknown value {v!r} for {node.left.id}"
                    f"{suggest(v, allowed)}; allowed: {', '.join(allowed)}",
                )
        # property expressions reuse the rule nodes with decision atoms as leaves, which
        # the rule-level Expr does not include; like Eigenschap.voor they are typed Any
        atoms: tuple[Any, ...] = tuple(Atom(kind, (v,)) for v in values)
        expr = Or(atoms)
        return Not(expr) if isinstance(op, ast.NotEq | ast.NotIn) else expr

    def call(self, node: ast.Call, func: ast.expr) -> Atom:
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            raise self.fail(
                node, f"unknown function '{ast.unparse(func)}'; allowed: " + ", ".join(FUNCTIONS)
            )
        if node.keywords or not all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args
        ):
            raise self.fail(node, f"{func.id}() takes string literals only")
        # every arg is a str Constant (checked just above); the filter only narrows the type
        args = tuple(str(a.value) for a in node.args if isinstance(a, ast.Constant))
        arity = FUNCTIONS[func.id]
        ok = len(args) in arity if isinstance(arity, tuple) else len(args) == arity
        if not ok:
            raise self.fail(node, f"{func.id}() takes {arity} argument(s)")
        checks: dict[str, list[str]] = {
            "plicht": [p.value for p in Plicht],
            "voorwaarde": [v.value for v in Voorwaarde],
            "regel": [r.id for r in self.specs.regels],
            "grondslag": [
                t.waarde.value for t in self.specs.toekenningen if t.kenmerk == "grondslag"
            ],
        }
        if func.id in checks and args[0] not in checks[func.id]:
            raise self.fail(
                node, f"{func.id}(): unknown {args[0]!r}{suggest(args[0], checks[func.id])}"
            )
        if func.id == "bron" and args[0] not in [r.value for r in Regeling]:
            raise self.fail(node, f"bron(): unknown regeling {args[0]!r}")
        if func.id == "effectief" and (
            args[0] not in [e.value for e in Effect] or args[1] not in [la.value for la in Laag]
        ):
            raise self.fail(
                node,
                "effectief() takes an effect (grond, plicht, verbod) and a "
                "layer (wet, richtlijn, lokaal)",
            )
        return Atom(func.id, args)


def _is_bool_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    return isinstance(node, ast.Name) and node.id in ("True", "False", "true", "false")


def parse_property(text: str, scope: Scope, specs: Specs, pair: bool) -> Any:
    # the same text checks as rule conditions: no '#', nothing Python would fold or skip
    return _PropertyParser(scope, specs, pair).parse(syntax_tree(text))


# -- loading ------------------------------------------------------------------------


def _scope(specs: Specs) -> Scope:
    return Scope(frozenset(d.naam for d in specs.definities), specs.verzamelingen)


def load_properties(specs: Specs, path: str | Path | None = None) -> list[Eigenschap]:
    """Load every ``properties/*.yaml`` of a spec folder; raise :class:`SpecError`."""
    root, _rules = resolve_dirs(path)
    folder = root / "properties"
    problems: list[str] = []
    out: list[Eigenschap] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise SpecError([f"{folder}: no property files (*.yaml)"])
    names: set[str] = set()
    for file in files:
        shown = f"{root.name}/properties/{file.name}"
        try:
            data = load_yaml(file, shown)
        except YamlError as exc:
            problems.append(str(exc))
            continue
        ctx = _Ctx(shown, problems)
        try:
            top = _keys(ctx, data, {"thema", "eigenschappen"}, shown, 1)
            items = _get(ctx, top, "eigenschappen", list, shown)
        except _Missing:
            continue
        for item in items:
            made = _load_one(ctx, item, specs)
            if made is None:
                continue
            if made.naam in names:
                ctx.error(int(made.waar.rsplit(":", 1)[1]), f"duplicate property '{made.naam}'")
            names.add(made.naam)
            out.append(made)
    if problems:
        raise SpecError(problems)
    return out


KEYS = {
    "naam",
    "uitleg",
    "sectie",
    "verwacht",
    "voor",
    "geldt",
    "verschil",
    "gelijk",
    "toelichting",
    "keten",
}


def _load_one(ctx: _Ctx, item: Any, specs: Specs) -> Eigenschap | None:
    try:
        obj: Located = _keys(ctx, item, KEYS, "eigenschap")
        naam = _get(ctx, obj, "naam", str, "eigenschap")
        what = f"eigenschap '{naam}'"
        verwacht = _get(ctx, obj, "verwacht", str, what)
        if verwacht not in VERWACHT:
            ctx.error(
                obj.line_of("verwacht"),
                f"{what}: verwacht must be one of {', '.join(VERWACHT)}, got {verwacht!r}",
            )
            raise _Missing
        sectie = _get(ctx, obj, "sectie", str, what)
        if sectie not in specs.secties:
            ctx.error(obj.line_of("sectie"), f"{what}: unknown handreiking section {sectie!r}")
            raise _Missing
        verschil = tuple(_get(ctx, obj, "verschil", list, what, required=False, default=[]))
        gelijk = tuple(_get(ctx, obj, "gelijk", list, what, required=False, default=[]))
        for f in verschil:
            if f not in flow_fields():
                ctx.error(
                    obj.line_of("verschil"),
                    f"{what}: unknown field {f!r}{suggest(f, list(flow_fields()))}",
                )
                raise _Missing
        for p in gelijk:
            if p not in PARTS:
                ctx.error(
                    obj.line_of("gelijk"),
                    f"{what}: unknown decision part {p!r}; allowed: {', '.join(PARTS)}",
                )
                raise _Missing
        pair = bool(verschil or gelijk)
        if "keten" in obj:
            return _load_keten(ctx, obj, specs, naam, sectie, verwacht)
        parsed = {}
        for key in ("voor", "geldt"):
            text = _get(ctx, obj, key, str, what, required=(key == "geldt" and not gelijk))
            if text is None:
                parsed[key] = TRUE
                continue
            try:
                parsed[key] = parse_property(text, _scope(specs), specs, pair)
            except ExprError as exc:
                col = f" (column {exc.column + 1})" if exc.column is not None else ""
                ctx.error(obj.line_of(key), f"{what}: '{key}'{col}: {exc}")
                raise _Missing from None
        return Eigenschap(
            naam=naam,
            uitleg=_tekst(ctx, obj, "uitleg", what),
            sectie=sectie,
            verwacht=verwacht,
            voor=parsed["voor"],
            geldt=parsed["geldt"],
            verschil=verschil,
            gelijk=gelijk,
            toelichting=" ".join(str(obj.get("toelichting", "")).split()),
            waar=f"{ctx.file}:{obj.line}",
        )
    except _Missing:
        return None


def _load_keten(
    ctx: _Ctx, obj: Located, specs: Specs, naam: str, sectie: str, verwacht: str
) -> Eigenschap:
    what = f"eigenschap '{naam}'"
    for key in ("voor", "geldt", "verschil", "gelijk"):
        if key in obj:
            ctx.error(obj.line_of(key), f"{what}: a keten property has no '{key}'")
            raise _Missing
    raw = _keys(ctx, obj["keten"], set(KETEN_KEYS), f"{what}.keten", obj.line_of("keten"))
    parts = {}
    for key in KETEN_KEYS:
        text = _get(ctx, raw, key, str, f"{what}.keten", required=False)
        if text is None:
            parts[key] = TRUE
            continue
        try:
            parts[key] = parse_property(text, _scope(specs), specs, False)
        except ExprError as exc:
            col = f" (column {exc.column + 1})" if exc.column is not None else ""
            ctx.error(raw.line_of(key), f"{what}: 'keten.{key}'{col}: {exc}")
            raise _Missing from None
    return Eigenschap(
        naam=naam,
        uitleg=_tekst(ctx, obj, "uitleg", what),
        sectie=sectie,
        verwacht=verwacht,
        voor=TRUE,
        geldt=TRUE,
        toelichting=" ".join(str(obj.get("toelichting", "")).split()),
        waar=f"{ctx.file}:{obj.line}",
        keten=Ketenvorm(parts["begin"], parts["stap"], parts["einde"]),
    )


# -- evaluation on concrete flows (replay of counterexamples) -------------------------


@attrs.frozen
class Side:
    """One flow with its trace and decision."""

    env: Mapping[str, Any]
    trace: Trace
    decision: Decision
    trace_rules: tuple[Any, ...] = ()


def _atom_holds(atom: Atom, side: Side) -> bool:
    d = side.decision
    kind, args = atom.kind, atom.args
    if kind == "oordeel":
        return d.oordeel.value == args[0]
    if kind == "vvo":
        return d.verwerkingsverantwoordelijke == args[0]
    if kind == "plicht":
        return args[0] in d.plicht_codes
    if kind == "voorwaarde":
        return args[0] in d.voorwaarde_codes
    if kind == "grondslag":
        return args[0] in d.grondslag
    if kind == "regel":
        return args[0] in d.regels
    if kind == "effectief":
        return any(
            r.id in side.trace.effective and r.effect.value == args[0] and r.laag.value == args[1]
            for r in side.trace_rules
        )
    if kind == "noodzaak_beslist":
        return any(r.noodzaak for r in side.trace.deciding)
    assert kind == "bron"
    return any(
        b.regeling.value == args[0] and b.artikel == args[1] and (len(args) < 3 or b.lid == args[2])
        for b in d.bronnen
    )


def holds(e: Any, sides: Mapping[str, Side], ev: Evaluator, side: str = "a") -> bool:
    """Evaluate a property expression on concrete flows with the Python evaluator."""
    if isinstance(e, OnSide):
        return holds(e.operand, sides, ev, e.side)
    if isinstance(e, Atom):
        return _atom_holds(e, sides[side])
    if isinstance(e, Not):
        return not holds(e.operand, sides, ev, side)
    if isinstance(e, And):
        return all(holds(o, sides, ev, side) for o in e.operands)
    if isinstance(e, Or):
        return any(holds(o, sides, ev, side) for o in e.operands)
    if isinstance(e, Const):
        return e.value
    comp: _Compiler = ev._comp
    return comp.compile(e)(dict(sides[side].env), {})


def part(decision: Decision, name: str) -> Any:
    """A decision part for ``gelijk`` comparisons (order-insensitive lists)."""
    data = decision.to_dict()
    value = data[name]
    if name in ("plichten", "voorwaarden"):
        return sorted(v["code"] for v in value)
    if name == "bronnen":
        return sorted(
            (b["regeling"], b["artikel"], b.get("lid") or "", b.get("onderdeel") or "")
            for b in value
        )
    if isinstance(value, list):
        return sorted(value)
    return value
