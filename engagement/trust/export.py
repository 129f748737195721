"""The trust report as a CSV file for a spreadsheet, in the report's language.

Made for the people who open it: headers and flag names in the page's language, shares as
whole percentages (the unit in the header), rates with one decimal, and the conventions the
spreadsheet of that language expects. Norwegian and Danish Excel read the comma as the decimal
sign, so their list separator is the semicolon: nb, nn and da get ``;`` and ``1,3``; en gets
``,`` and ``1.3``. The file starts with a UTF-8 byte order mark, without which Excel reads
``Båret`` as ``BÃ¥ret``. Text cells that a spreadsheet would run as formulas are written as text;
the numbers the report formats itself (a change of ``-75``) stay numbers.
"""
from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal

from engagement.translations import N_, translations

BOM = "\ufeff"
COMMA_DECIMALS = {"nb", "nn", "da"}
# (signal, header, how it is shown): "percent" a whole number of percent, "rate" one decimal,
# "signed" a change in whole percent with its sign, "count" as it is.
SIGNALS = (("members", N_("Members"), "count"),
           ("shared_share", N_("Share who shared"), "percent"),
           ("contributions_per_member", N_("Contributions per member"), "rate"),
           ("likes_per_member", N_("Likes per member"), "rate"),
           ("recognised_share", N_("Contributions recognised"), "percent"),
           ("leader_participation", N_("Leaders taking part"), "percent"),
           ("cross_team_share", N_("Interaction with other teams"), "percent"),
           ("top_person_share", N_("Most active person's share"), "percent"),
           ("trend", N_("Change in contributions per member from the three months before"), "signed"),
           ("unanswered_ideas", N_("Unanswered ideas"), "count"))
NAMES = (N_("Team"), N_("Part of"), N_("Counted in"))
FLAGS = N_("Flags")
# Spreadsheets run a cell as a formula when its first visible character is one of these; Excel also
# reads the fullwidth forms (U+FF1D, U+FF0B, U+FF0D, U+FF20) as the ASCII signs.
FORMULA = re.compile(r"[\t\r\n]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")


def delimiter(lang: str) -> str:
    return ";" if lang in COMMA_DECIMALS else ","


def to_csv(body: dict, lang: str, names: dict[str, str] | None = None) -> str:
    """The report's rows as the dashboard shows them: names, never ids or flag codes.

    ``names`` maps every team's id to its name, also the teams a filtered report leaves out:
    the parent or host of a row shown is often one of them, and its column would be empty."""
    t = translations(lang)
    names = {**(names or {}), **{row["id"]: row["name"] for row in body["teams"]}}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter(lang), lineterminator="\r\n")
    writer.writerow([*(t.gettext(n) for n in NAMES),
                     *(t.gettext(h) + (" (%)" if kind in ("percent", "signed") else "") for _, h, kind in SIGNALS),
                     t.gettext(FLAGS)])
    for row in body["teams"]:
        signals = row.get("signals", {})
        writer.writerow([cell(row["name"]), cell(names.get(row["parent"], "")),
                         cell(names.get(row.get("folded_into"), "")),
                         *(number(signals.get(key), kind, lang) for key, _, kind in SIGNALS),
                         cell(", ".join(f["title"] for f in row.get("flags", ())))])
    return BOM + out.getvalue()


def number(value: float | int | None, kind: str, lang: str) -> str:
    """A signal as a spreadsheet in ``lang`` reads it; empty when the team shows no numbers."""
    if value is None:
        return ""
    if kind in ("percent", "signed"):
        whole = int(half_up(Decimal(str(value)) * 100, "1"))  # as the dashboard rounds: 46.5 % is 47 %
        return f"{whole:+d}" if kind == "signed" else str(whole)
    if kind == "rate":
        text = str(half_up(Decimal(str(value)), "0.1"))
        return text.replace(".", ",") if lang in COMMA_DECIMALS else text
    return str(value)


def half_up(value: Decimal, step: str) -> Decimal:
    return value.quantize(Decimal(step), rounding=ROUND_HALF_UP)


def cell(text: str) -> str:
    """Spreadsheets run text cells that start with = + - @ (after spaces too, or in their fullwidth
    forms) or with a tab or line break as formulas: make them text. Only for text: never for numbers."""
    return "'" + text if FORMULA.match(text) else text
