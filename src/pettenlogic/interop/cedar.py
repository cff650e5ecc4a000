"""The rulebook as a Cedar policy set and schema, and a flow as a Cedar request.

The export keeps the *allow/deny projection* of a decision: Cedar allows exactly
when pettenlogic says ``toegestaan`` or ``verplicht``. It is generated from the
vocabulary (the schema) and from the rule AST (the policies), so it follows the
rules whatever they become, and it serves as an independent oracle in the tests.

Mapping. A flow is the request ``principal = Taak::"<van.taak>"``, ``action =
Action::"verstrekken"``, ``resource = Taak::"<naar.taak>"``; every other field of
the flow sits in ``context`` under its own path (``context.omstandigheden.
toestemming``). Every enum of the vocabulary is a Cedar *enumerated entity type*,
so Cedar's validator checks every value a policy names; a field that may be absent
(``wet``, ``leeftijd``, ``noodzakelijk``) is an optional attribute.

Policies. Each rule becomes one policy, in rule order (Cedar numbers them
``policy0``, ``policy1``, ...; :attr:`CedarExport.rule_ids` maps them back): a
grond or plicht becomes a ``permit``, a verbod a ``forbid``, and its ``when``
clause says the rule is *active* in the sense of docs/semantics.md: it applies
(its condition, and necessity not denied for a rule that rests on it), no
exception of the same or a higher layer is effective, and no rule of a higher layer
with the opposite effect is effective. Definitions, exceptions and overrides are
written out in full (Cedar has no named predicates); rules whose key boxes never
meet (:mod:`pettenlogic.evaluate.keys`) are left out of each other's clauses.
Cedar allows when some permit and no forbid is satisfied, which is the
projection exactly: a verbod that is active wins, else an active grond or plicht
permits, else nothing permits (``niet_toegestaan``). The satisfied policies are the
active rules of the deciding polarity.

What the export cannot carry: the four-valued verdict (plicht and grond both
become Allow, verboden and niet_toegestaan both Deny), duties, open conditions,
the AVG ground, the controller, citations, explanations, limits (grenzen), and
the layers as such (they only shape the clauses; annotations name them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import attrs

from ..evaluate.accept import accept_flow
from ..evaluate.interpreter import flatten
from ..evaluate.keys import KEY_FIELDS, KeyBoxes, meets
from ..model.convert import InvalidInput, check_flow_object, flow_from_json
from ..model.fields import FieldSpec, flow_fields
from ..model.flow import Flow
from ..model.peildatum import dag_van, dagnummer
from ..rules.expr import And, Cmp, Const, Expr, Flag, In, Not, Or, Ref, Same
from ..rules.spec import Regel, Specs, exception_structure

ACTION = "verstrekken"
PRINCIPAL = "van.taak"
RESOURCE = "naar.taak"
NOODZAKELIJK = "omstandigheden.noodzakelijk"
PEILDATUM = "peildatum"
POLICY_FILE = "pettenlogic.cedar"
SCHEMA_FILE = "pettenlogic.cedarschema"
MANIFEST_FILE = "pettenlogic-cedar.json"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: words Cedar does not take as a plain attribute name
_RESERVED = frozenset(
    {"true", "false", "if", "then", "else", "in", "is", "like", "has", "principal", "action"}
    | {"resource", "context"}
)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _attr(name: str) -> str:
    """``.name``, or ``["name"]`` where Cedar would not read a bare name."""
    return f".{name}" if _IDENT.match(name) and name not in _RESERVED else f"[{_quote(name)}]"


def _has(name: str) -> str:
    return name if _IDENT.match(name) and name not in _RESERVED else _quote(name)


def _entity_type(spec: FieldSpec) -> str:
    assert spec.enum is not None
    return spec.enum.__name__


def _enums() -> dict[str, type[Enum]]:
    """Every enum a flow uses, by its Cedar entity type name (in field order)."""
    out: dict[str, type[Enum]] = {}
    for spec in flow_fields().values():
        if spec.kind == "enum":
            assert spec.enum is not None
            out.setdefault(spec.enum.__name__, spec.enum)
    return out


# -- schema ------------------------------------------------------------------------------


def _optional(spec: FieldSpec) -> bool:
    """Whether a context attribute may be absent: an optional field or a tribool; never
    the peildatum, which a request always carries (the flow's own day, or today)."""
    return spec.kind != "date" and (spec.optional or spec.kind == "tribool")


def _cedar_type(spec: FieldSpec) -> str:
    if spec.kind == "enum":
        return _entity_type(spec)
    # a date is its day number (as in the Z3 encoding), so versions compare as integers
    return "Long" if spec.kind in ("int", "date") else "Bool"


def _context_tree() -> dict[str, Any]:
    """The context record as nested dicts; leaves are field specs."""
    tree: dict[str, Any] = {}
    for path, spec in flow_fields().items():
        if path in (PRINCIPAL, RESOURCE):
            continue
        *parents, leaf = path.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = spec
    return tree


def _record(tree: dict[str, Any], indent: str) -> str:
    inner = indent + "  "
    lines = []
    for name, item in tree.items():
        if isinstance(item, dict):
            lines.append(f"{inner}{_has(name)}: {_record(item, inner)}")
        else:
            optional = "?" if _optional(item) else ""
            lines.append(f"{inner}{_has(name)}{optional}: {_cedar_type(item)}")
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


def schema_text() -> str:
    """The Cedar schema of a flow request, from the vocabulary."""
    out = ["// Generated by pettenlogic from its vocabulary; regenerate, do not edit.", ""]
    for name, enum in _enums().items():
        values = ", ".join(_quote(m.value) for m in enum)
        out.append(f"entity {name} enum [{values}];")
    taak = _entity_type(flow_fields()[PRINCIPAL])
    resource = _entity_type(flow_fields()[RESOURCE])
    out += [
        "",
        f"action {_quote(ACTION)} appliesTo {{",
        f"  principal: [{taak}],",
        f"  resource: [{resource}],",
        f"  context: {_record(_context_tree(), '  ')}",
        "};",
        "",
    ]
    return "\n".join(out)


# -- conditions --------------------------------------------------------------------------


class _Writer:
    """Condition AST → Cedar expression text (definitions written out, memoised)."""

    def __init__(self, specs: Specs) -> None:
        self.fields = flow_fields()
        self.definitions = {d.naam: d.als for d in specs.definities}
        self.memo: dict[str, str] = {}

    def access(self, path: str) -> tuple[str, str | None]:
        """(the expression reading a field, the record that may lack it or None)."""
        if path == PRINCIPAL:
            return "principal", None
        if path == RESOURCE:
            return "resource", None
        *parents, leaf = path.split(".")
        record = "context" + "".join(_attr(p) for p in parents)
        spec = self.fields[path]
        optional = _optional(spec)
        return record + _attr(leaf), (f"{record} has {_has(leaf)}" if optional else None)

    def literal(self, path: str, value: Any) -> str:
        spec = self.fields[path]
        if spec.kind == "enum":
            return f"{_entity_type(spec)}::{_quote(str(value))}"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(int(value))

    @staticmethod
    def guarded(present: str | None, test: str, absent: str = "false") -> str:
        """``test`` where the field is present; ``absent`` where it is not."""
        return test if present is None else f"(if {present} then {test} else {absent})"

    def cmp(self, e: Cmp) -> str:
        read, present = self.access(e.field)
        if e.value is None:  # '== None' / '!= None': whether the field is absent
            absent = "false" if present is None else f"!({present})"
            return absent if e.op == "==" else f"!({absent})"
        op = "==" if e.op in ("==", "!=") else e.op
        test = self.guarded(present, f"{read} {op} {self.literal(e.field, e.value)}")
        return f"!({test})" if e.op == "!=" else test

    def member(self, e: In) -> str:
        read, present = self.access(e.field)
        known = sorted((v for v in e.values if v is not None), key=str)
        with_none = None in e.values
        if known:
            items = ", ".join(self.literal(e.field, v) for v in known)
            test = self.guarded(present, f"[{items}].contains({read})", str(with_none).lower())
        else:
            test = "false" if present is None else f"!({present})"
        return f"!({test})" if e.negated else test

    def same(self, e: Same) -> str:
        left, lp = self.access(e.left)
        right, rp = self.access(e.right)
        equal = f"{left} == {right}"
        if lp is None and rp is None:
            test = equal
        elif lp is None:
            test = self.guarded(rp, equal)
        elif rp is None:
            test = self.guarded(lp, equal)
        else:  # both may be absent: equal when both are, or both are there and equal
            test = f"(if {lp} then {self.guarded(rp, equal)} else !({rp}))"
        return f"!({test})" if e.negated else test

    def write(self, e: Expr) -> str:
        if isinstance(e, Cmp):
            return self.cmp(e)
        if isinstance(e, In):
            return self.member(e)
        if isinstance(e, Same):
            return self.same(e)
        if isinstance(e, Flag):
            return self.access(e.field)[0]
        if isinstance(e, Const):
            return "true" if e.value else "false"
        if isinstance(e, Not):
            return f"!({self.write(e.operand)})"
        if isinstance(e, And | Or):
            if not e.operands:
                return "true" if isinstance(e, And) else "false"
            joiner = " && " if isinstance(e, And) else " || "
            return "(" + joiner.join(self.write(o) for o in e.operands) + ")"
        assert isinstance(e, Ref)
        if e.name not in self.memo:
            self.memo[e.name] = self.write(self.definitions[e.name])
        return self.memo[e.name]


def _any(parts: list[str]) -> str:
    return "(" + " || ".join(parts) + ")" if parts else "false"


class _Policies:
    """The active-rule clause of every rule, following docs/semantics.md."""

    def __init__(self, specs: Specs) -> None:
        self.specs = specs
        self.writer = _Writer(specs)
        boxes = KeyBoxes(specs)
        self.values = boxes.values
        self.box = {r.id: boxes.box(r.als) for r in specs.regels}
        self.exceptors, _order = exception_structure(specs.regels)
        self.by_id = {r.id: r for r in specs.regels}
        self.effective_memo: dict[str, str] = {}

    def applies(self, r: Regel) -> str:
        cond = self.writer.write(r.als)
        if r.versiegebonden:
            # the rule holds only while the version it encodes holds (peildatum: day number)
            days = [f"context.peildatum >= {dagnummer(r.geldig_van)}"] if r.geldig_van else []
            days += [f"context.peildatum < {dagnummer(r.geldig_tot)}"] if r.geldig_tot else []
            if days:
                cond = f"({cond} && {' && '.join(days)})"
        if not r.noodzaak:
            return cond
        denied = self.writer.write(Cmp(NOODZAKELIJK, "==", False))
        return f"({cond} && !({denied}))"

    def effective(self, r: Regel) -> str:
        if r.id not in self.effective_memo:
            beaters = [
                self.effective(x)
                for x in self.exceptors[r.id]
                if x.rang >= r.rang and meets(self.box[x.id], self.box[r.id])
            ]
            text = self.applies(r)
            if beaters:
                text = f"({text} && !{_any(beaters)})"
            self.effective_memo[r.id] = text
        return self.effective_memo[r.id]

    def key_guard(self, r: Regel) -> str | None:
        """The rule's key box as a cheap first test (implied by its condition, so adding
        it changes nothing but lets Cedar skip the rest for most requests)."""
        tests = []
        for path, mask, values in zip(KEY_FIELDS, self.box[r.id], self.values, strict=True):
            chosen = [v for i, v in enumerate(values) if mask >> i & 1]
            if len(chosen) == len(values):
                continue
            read = self.writer.access(path)[0]
            items = ", ".join(self.writer.literal(path, v) for v in chosen)
            tests.append(f"[{items}].contains({read})" if chosen else "false")
        return " && ".join(tests) if tests else None

    def active(self, r: Regel) -> str:
        over = [
            self.effective(s)
            for s in self.specs.regels
            if s.rang > r.rang
            and s.permissief != r.permissief
            and meets(self.box[s.id], self.box[r.id])
        ]
        text = self.effective(r)
        text = f"({text} && !{_any(over)})" if over else text
        guard = self.key_guard(r)
        return f"{guard} && {text}" if guard else text

    def policy(self, r: Regel) -> str:
        kind = "permit" if r.permissief else "forbid"
        title = " ".join(r.titel.nl.split())
        return "\n".join(
            [
                f"// {r.id}: {title}",
                f"@id({_quote(r.id)})",
                f"@laag({_quote(r.laag.value)})",
                f"@effect({_quote(r.effect.value)})",
                f"{kind} (principal, action == Action::{_quote(ACTION)}, resource)",
                f"when {{ {self.active(r)} }};",
            ]
        )


@attrs.frozen
class CedarExport:
    """A rulebook as Cedar text: policies, schema, and which rule each policy is."""

    policies: str
    schema: str
    rule_ids: tuple[str, ...]
    """the rule behind ``policy0``, ``policy1``, ... (Cedar's ids, in text order)"""
    rulebook: str

    def rule_of(self, policy_id: str) -> str:
        """The rule id of a Cedar policy id (``policy3`` → the fourth rule)."""
        return self.rule_ids[int(policy_id.removeprefix("policy"))]

    def manifest(self) -> dict[str, Any]:
        return {
            "rulebook": self.rulebook,
            "action": ACTION,
            "policies": {f"policy{i}": rid for i, rid in enumerate(self.rule_ids)},
            "allow": ["toegestaan", "verplicht"],
            "deny": ["verboden", "niet_toegestaan"],
        }

    def write(self, out: str | Path) -> list[Path]:
        """Write the policy set, the schema and the manifest into folder ``out``."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        files = {
            POLICY_FILE: self.policies,
            SCHEMA_FILE: self.schema,
            MANIFEST_FILE: json.dumps(self.manifest(), ensure_ascii=False, indent=2) + "\n",
        }
        paths = []
        for name, text in files.items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        return paths


def export(specs: Specs) -> CedarExport:
    """The Cedar form of a rule set (allow/deny projection; see the module docstring)."""
    gen = _Policies(specs)
    header = (
        "// Generated by pettenlogic from the rule set "
        f"{specs.digest}; regenerate, do not edit.\n"
        "// Allow = toegestaan or verplicht; Deny = verboden or niet_toegestaan.\n\n"
    )
    text = header + "\n\n".join(gen.policy(r) for r in specs.regels) + "\n"
    return CedarExport(
        policies=text,
        schema=schema_text(),
        rule_ids=tuple(r.id for r in specs.regels),
        rulebook=specs.digest,
    )


# -- requests ----------------------------------------------------------------------------


def _plan() -> list[tuple[str, tuple[str, ...], str, str | None]]:
    """(path, record path, attribute, entity type or None) for every context field."""
    out = []
    for path, spec in flow_fields().items():
        if path in (PRINCIPAL, RESOURCE):
            continue
        *parents, leaf = path.split(".")
        out.append(
            (path, tuple(parents), leaf, _entity_type(spec) if spec.kind == "enum" else None)
        )
    return out


_PLAN = _plan()
_TAAK_TYPE = {p: _entity_type(flow_fields()[p]) for p in (PRINCIPAL, RESOURCE)}


def to_request(flow: Flow | Mapping[str, Any]) -> dict[str, Any]:
    """The Cedar request for a flow (a :class:`Flow` or its flow JSON, validated first;
    raises :class:`~pettenlogic.InvalidInput` like ``decide``)."""
    env = accept_flow(flow) if type(flow) is dict else None
    if env is None:  # a Flow, or a dict the fast acceptor leaves to the full validator
        if isinstance(flow, Flow):
            problems = check_flow_object(flow)
            if problems:
                raise InvalidInput(problems)
        else:
            flow = flow_from_json(flow)
        env = flatten(flow)
    context: dict[str, Any] = {}
    for path, parents, leaf, entity in _PLAN:
        node = context
        for part in parents:
            node = node.setdefault(part, {})
        value = env[path]
        if path == PEILDATUM:  # always decided on a day: the flow's own, or today
            value = dagnummer(dag_van(value))
        if value is None:
            continue  # an absent optional attribute
        node[leaf] = {"__entity": {"type": entity, "id": value}} if entity else value
    return {
        "principal": {"type": _TAAK_TYPE[PRINCIPAL], "id": env[PRINCIPAL]},
        "action": {"type": "Action", "id": ACTION},
        "resource": {"type": _TAAK_TYPE[RESOURCE], "id": env[RESOURCE]},
        "context": context,
    }
