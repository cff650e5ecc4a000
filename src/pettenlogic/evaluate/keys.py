"""Static key analysis: which (van.taak, naar.taak, gegevens.categorie) a condition can match.

A rule can only take effect on flows whose key lies in its *box*: per key field the
set of values for which its condition may be true. Two rules whose boxes are
disjoint can never both apply, so the solver need not be asked whether they
overlap, and a rule cannot be defeated or overridden by a rule it never meets.

The box is an abstract interpretation of the condition AST (in the spirit of the
partial evaluation of :mod:`.residue`, but one linear pass): every node gets, per
key field, a bitmask of the values where it *may be true* and where it *may be
false*. ``not`` swaps the two; ``and`` intersects may-true and joins may-false,
``or`` the other way round. The result over-approximates (sound for pruning: a value
outside the box makes the condition false on every flow), it never under-approximates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from ..model.fields import flow_fields
from ..rules.expr import And, Cmp, Const, Expr, Flag, In, Not, Or, Ref, Same
from ..rules.spec import Specs

KEY_FIELDS = ("van.taak", "naar.taak", "gegevens.categorie")

Box = tuple[int, ...]
"""per key field a bitmask over that field's values (bit i: the i-th value)"""


class KeyBoxes:
    """The boxes of the conditions of one rule set (definitions are resolved once)."""

    def __init__(self, specs: Specs) -> None:
        fields = flow_fields()
        self.values: tuple[tuple[str, ...], ...] = tuple(fields[f].values for f in KEY_FIELDS)
        self.full: Box = tuple((1 << len(v)) - 1 for v in self.values)
        self._index = {f: i for i, f in enumerate(KEY_FIELDS)}
        self._bit = tuple({v: 1 << i for i, v in enumerate(vals)} for vals in self.values)
        self._defs = {d.naam: d.als for d in specs.definities}
        self._ref_memo: dict[str, tuple[Box, Box]] = {}
        self._memo: dict[Expr, Box] = {}

    def box(self, expr: Expr) -> Box:
        """Per key field, the values on which ``expr`` may hold (memoised per condition)."""
        found = self._memo.get(expr)
        if found is None:
            found = self._memo[expr] = self._eval(expr)[0]
        return found

    def _mask(self, field: int, values: Iterable[Any]) -> int:
        bits = self._bit[field]
        mask = 0
        for v in values:
            mask |= bits.get(v, 0)
        return mask

    def _eval(self, e: Expr) -> tuple[Box, Box]:
        """(may be true, may be false) per key field."""
        full = self.full
        if isinstance(e, Cmp | In) and e.field in self._index:
            i = self._index[e.field]
            if isinstance(e, Cmp):
                hit = self._mask(i, [e.value]) if e.op == "==" else 0
                negated = e.op == "!="
                if e.op not in ("==", "!="):
                    return full, full  # order comparisons are never made on an enum
            else:
                hit, negated = self._mask(i, e.values), e.negated
            miss = full[i] & ~hit
            true_i, false_i = (miss, hit) if negated else (hit, miss)
            true = tuple(true_i if j == i else m for j, m in enumerate(full))
            false = tuple(false_i if j == i else m for j, m in enumerate(full))
            return true, false
        if isinstance(e, Const):
            empty = tuple(0 for _ in full)
            return (full, empty) if e.value else (empty, full)
        if isinstance(e, Not):
            true, false = self._eval(e.operand)
            return false, true
        if isinstance(e, And | Or):
            parts = [self._eval(o) for o in e.operands]
            meet = [p[0] for p in parts] if isinstance(e, And) else [p[1] for p in parts]
            join = [p[1] for p in parts] if isinstance(e, And) else [p[0] for p in parts]
            met = tuple(_all_and(m[i] for m in meet) if meet else full[i] for i in range(3))
            joined = tuple(_all_or(j[i] for j in join) for i in range(3))
            if not meet:  # an empty and is true, an empty or false
                empty = tuple(0 for _ in full)
                return (full, empty) if isinstance(e, And) else (empty, full)
            if _empty(met):  # nothing may make it true (or false): say so on every field
                met = tuple(0 for _ in full)
            if _empty(joined):
                joined = tuple(0 for _ in full)
            return (met, joined) if isinstance(e, And) else (joined, met)
        if isinstance(e, Ref):
            if e.name not in self._ref_memo:
                self._ref_memo[e.name] = self._eval(self._defs[e.name])
            return self._ref_memo[e.name]
        assert isinstance(e, Cmp | In | Same | Flag)
        return full, full  # a non-key field (or two key fields compared): anything goes


def _all_and(masks: Iterable[int]) -> int:
    out = -1
    for m in masks:
        out &= m
    return out


def _all_or(masks: Iterable[int]) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


def _empty(box: Box) -> bool:
    return any(m == 0 for m in box)


def meets(a: Box, b: Box) -> bool:
    """Whether two boxes share a key (flows in both may exist)."""
    return all(x & y for x, y in zip(a, b, strict=True))


class BoxIndex:
    """Which of many boxes meet a given box, without comparing every pair.

    Per key field and value, the set of items (a bitset over their positions) whose
    box holds that value; the items meeting a box are the intersection over the
    fields of the unions over its values.
    """

    def __init__(self, boxes: list[Box], width: tuple[int, ...]) -> None:
        self.boxes = boxes
        self.members: list[list[int]] = [[0] * w for w in width]
        for pos, box in enumerate(boxes):
            bit = 1 << pos
            for i, mask in enumerate(box):
                slots = self.members[i]
                while mask:
                    low = mask & -mask
                    slots[low.bit_length() - 1] |= bit
                    mask ^= low
        self._cache: dict[Box, int] = {}

    def meeting(self, box: Box) -> int:
        """A bitset of the positions whose box meets ``box``."""
        found = self._cache.get(box)
        if found is not None:
            return found
        out = -1
        for i, mask in enumerate(box):
            slots = self.members[i]
            union = 0
            while mask:
                low = mask & -mask
                union |= slots[low.bit_length() - 1]
                mask ^= low
            out &= union
        self._cache[box] = out
        return out


def positions(bits: int) -> list[int]:
    """The set bits of a bitset, lowest first."""
    out: list[int] = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


#: most items kept over all keys (a pointer each): about 8 MB at most. The bundled
#: rules need about 80,000 for every key there is; a rule set of 10,000 rules keeps
#: some of its keys and works the others out again (a few hundred µs a flow)
MAX_KEPT = 1_000_000

T = TypeVar("T")


class Candidates(Generic[T]):
    """Which items (rules, limits) may hold for flows of one key, in their own order.

    An item whose box leaves out a flow's key is false on that flow, so the
    interpreter need not evaluate it: on the bundled rules about 5 of 68 rule
    conditions remain for a random flow, and on a large rule set the work per flow
    follows the rules that can meet its key rather than all rules.
    """

    def __init__(self, boxes: KeyBoxes, items: list[tuple[T, Expr]]) -> None:
        """``items``: (item, its condition) in their order."""
        self._bit = boxes._bit
        self._items = [item for item, _ in items]
        boxed = [boxes.box(condition) for _, condition in items]
        self._index = BoxIndex(boxed, tuple(map(len, boxes.values)))
        self._all = (1 << len(items)) - 1
        self._kept: dict[tuple[Any, ...], tuple[T, ...]] = {}
        self._room = MAX_KEPT

    def of(self, key: tuple[Any, ...]) -> tuple[T, ...]:
        """The items that may hold for flows with ``key`` (a value per
        :data:`KEY_FIELDS`), in their order. A value the vocabulary does not know
        (no validated flow has one) narrows nothing."""
        found = self._kept.get(key)
        if found is None:
            members = self._index.members
            bits = self._all
            for i, value in enumerate(key):
                bit = self._bit[i].get(value, 0)
                if bit:
                    bits &= members[i][bit.bit_length() - 1]
            items = self._items
            found = tuple(items[p] for p in positions(bits))
            if len(found) <= self._room:
                self._kept[key] = found
                self._room -= len(found)
        return found
