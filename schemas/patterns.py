"""Validators for text that must match a pattern as a whole.

Python's ``$`` also matches just before a trailing newline, so ``re.match(r"^\\d{4}$", "2026\\n")``
succeeds and ``2026-11\\n`` would reach a database query or a response header. Every pattern
here is applied with ``fullmatch``; the ``^...$`` form stays for the OpenAPI document, whose
regular expressions are ECMAScript's and know no ``\\Z``.
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$"
# Months from 2000-01 to 2100-12: a report compares a month with the three before it and
# a trend counts back up to 36 months, which year 1 cannot and 9999 has no month after for.
MONTH_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])$"
MONTH_HELP = "A month as YYYY-MM, from 2000-01 to 2100-12."
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
WHOLE = re.compile(r"[0-9]{1,18}")


class FullMatch(validate.Regexp):
    """marshmallow's ``Regexp``, but the whole value must match (no trailing newline)."""

    regex: re.Pattern[str]  # built from text only (``__init__``), so it is matched against text

    def __init__(self, regex: str, *, error: str | None = None):
        super().__init__(regex, error=error)

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def fullmatch(pattern: str, value: Any) -> re.Match | None:
    """``pattern`` against the whole of ``value``; None for anything that is not text."""
    return re.fullmatch(pattern, value) if isinstance(value, str) else None


class Whole(fields.Integer):
    """A whole number in a query string, within ``low``..``high``.

    ``int()`` takes " 5", "5\\n", "1_000" and "²"-like digits (or fails on them with a
    ValueError); a query parameter is ASCII digits only, and bounded, so a page number past
    64 bits never reaches the database's OFFSET."""

    def __init__(self, low: int, high: int, **kwargs: Any):
        super().__init__(validate=validate.Range(low, high, error=f"A whole number from {low} to {high}."),
                         **kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not (isinstance(value, int) or WHOLE.fullmatch(str(value))):
            raise ValidationError(f"A whole number from {self.low} to {self.high}.")
        return int(value)
