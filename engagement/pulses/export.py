"""A pulse's heat map as a CSV file for a spreadsheet, in the report's language.

As the trust report's CSV (engagement/trust/export.py): names, never ids; the separator and
decimal sign the spreadsheet of that language expects; a byte order mark; text that a
spreadsheet would run as a formula written as text. Per statement three columns: the mean, the
share agreeing in whole percent, and the number of answers; empty for a folded team.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from engagement.translations import N_, translations
from engagement.trust.export import BOM, COMMA_DECIMALS, cell, delimiter, half_up

NAMES = (N_("Team"), N_("Part of"), N_("Counted in"))
COLUMNS = (N_("mean"), N_("agreeing (%)"), N_("answers"))


def to_csv(body: dict, lang: str) -> str:
    """The heat map's rows (``heatmap`` of engagement/pulses/api.py) as the page shows them."""
    t = translations(lang)
    names = {row["id"]: row["name"] for row in body["teams"]}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter(lang), lineterminator="\r\n")
    writer.writerow([*(t.gettext(n) for n in NAMES),
                     *(f"{cell(s['text'])}: {t.gettext(c)}" for s in body["statements"] for c in COLUMNS)])
    for row in body["teams"]:
        statements = row.get("statements") or {}
        values = []
        for s in body["statements"]:
            found = statements.get(s["key"])
            values += [decimal(found and found["mean"], lang), percent(found and found["agreeing"]),
                       str(found["answers"]) if found else ""]
        writer.writerow([cell(row["name"]), cell(names.get(row["parent"], "")),
                         cell(names.get(row.get("folded_into"), "")), *values])
    return BOM + out.getvalue()


def decimal(value: float | None, lang: str) -> str:
    if value is None:
        return ""
    text = str(half_up(Decimal(str(value)), "0.1"))
    return text.replace(".", ",") if lang in COMMA_DECIMALS else text


def percent(value: float | None) -> str:
    return "" if value is None else str(int(half_up(Decimal(str(value)) * 100, "1")))
