"""Hard filters from an API caller, and publication-window bounds as people type them.

The CLI and the web API read ``--after``/``--before`` and ``published_after``/``published_before``
through ``period_bound`` alone, so both accept and refuse the same values.

A bare ``2021`` or ``2021-06`` stands for the whole period. ``after`` is inclusive and ``before``
exclusive, so the period's first day is the bound on both sides: ``--after 2021`` keeps 2021 and
later, ``--before 2021`` keeps what came before 2021; a period is never cut in two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from assistant.errors import InputError

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass
class Filters:
    """Hard filters from an API caller: outlets and a publication window (ISO dates)."""

    source: list[str] | None = None
    published_after: str | None = None
    published_before: str | None = None


def period_bound(value: str, name: str = "date") -> str:
    """``value`` as an ISO date or date-time string; raises ``InputError`` naming ``name`` when it is neither
    that nor a year (``2021``) or year-month (``2021-06``)."""
    text = value.strip()
    m = _PERIOD.match(text)
    if m:
        year, month = int(m.group(1)), int(m.group(2) or 1)
        if 1 <= year and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}-01"
    else:
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            return text
        except ValueError:
            pass
    raise InputError(f"{name} {value!r} is not a date: give an ISO date such as 2025-06-25, "
                     "a year-month such as 2025-06 or a year such as 2025")
