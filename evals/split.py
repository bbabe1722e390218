"""The fit and check halves of a question set, by a hash of each question's id.

Weights and thresholds are fitted on the ``fit`` half only; the ``check`` half reports how they carry
to questions they were not fitted on. The split depends on the id alone, so it is the same on every
machine and for every run, and a question never changes halves.
"""

from __future__ import annotations

import hashlib
from typing import Literal

Half = Literal["fit", "check"]


def half(question_id: str) -> Half:
    """'fit' or 'check': the parity of the SHA-256 of the id."""
    return "fit" if hashlib.sha256(question_id.encode("utf-8")).digest()[-1] % 2 == 0 else "check"
