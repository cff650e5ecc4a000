"""The peildatum: the day whose law a flow is decided by.

A flow may name it (``peildatum``, an ISO date ``YYYY-MM-DD``); absent, it is
today. Rules that encode one version of an article carry the dates from which
and until which that version holds (``geldig_van`` / ``geldig_tot``); every
interpreter selects rules by the same comparison, :func:`geldt_op`. Dates are
kept as ISO strings, which compare in calendar order.
"""

from __future__ import annotations

import datetime
import re
import time

#: the only spelling accepted: four-digit year, two-digit month and day
ISO_DATUM = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMAT = "an ISO date YYYY-MM-DD (for example 2020-07-01), or null for today"
#: the range of days the Z3 encoding admits (the whole of Python's calendar)
EERSTE = datetime.date.min
LAATSTE = datetime.date.max


def lees_datum(value: object) -> datetime.date | None:
    """``value`` as a date if it is an ISO date string ``YYYY-MM-DD``, else ``None``.

    Stricter than :meth:`datetime.date.fromisoformat`, which also takes week
    dates and compact forms: a caller's typo must not become another day.
    """
    if not isinstance(value, str) or not ISO_DATUM.match(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


_today: tuple[float, float, str] = (0.0, 0.0, "")  # (from, until, ISO date) on the clock


def vandaag() -> str:
    """Today's date (local clock) as the default peildatum.

    Asked for every flow without a peildatum, so the answer is kept until the next
    local midnight (or until the clock goes back before the day began).
    """
    global _today
    start, until, iso = _today
    now = time.time()
    if start <= now < until:
        return iso
    today = datetime.date.today()
    begin = datetime.datetime.combine(today, datetime.time()).timestamp()
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time())
    _today = (begin, end.timestamp(), today.isoformat())
    return _today[2]


def dag_van(peildatum: str | None) -> str:
    """The day a flow is decided by: its own peildatum, or today."""
    return peildatum if peildatum is not None else vandaag()


def geldt_op(geldig_van: str | None, geldig_tot: str | None, dag: str) -> bool:
    """Whether a version valid from ``geldig_van`` up to (not including) ``geldig_tot``
    holds on ``dag``; an open end holds at every date on that side."""
    return (geldig_van is None or geldig_van <= dag) and (geldig_tot is None or dag < geldig_tot)


def dagnummer(dag: str) -> int:
    """The proleptic Gregorian day number of an ISO date (the Z3 encoding's integer)."""
    return datetime.date.fromisoformat(dag).toordinal()


def uit_dagnummer(n: int) -> str:
    return datetime.date.fromordinal(n).isoformat()


__all__ = [
    "EERSTE",
    "FORMAT",
    "LAATSTE",
    "dag_van",
    "dagnummer",
    "geldt_op",
    "lees_datum",
    "uit_dagnummer",
    "vandaag",
]
