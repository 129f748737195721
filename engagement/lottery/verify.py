"""Check a draw from its public record (the JSON of ``GET /v1/lottery/<month>``), with Python's
standard library alone::

    python -m engagement.lottery.verify record.json

It checks that the revealed seed is the one committed to before the month ended, that the
winners' ticket numbers lie in 1..total without overlapping, and that drawing again from the
seed (engagement/lottery/draw.py) gives the same winners with the same tickets in the same
order, as many as the draw asked for (or everyone, when fewer held tickets). A drawn ticket
outside every winner's numbers would belong to someone who should have won: the check fails
then too. ``engagement lottery verify`` runs the same check, and with the
database at hand also the frozen list behind the record's digest.
"""
from __future__ import annotations

import json
import sys
from typing import Any

from engagement.lottery.draw import commitment, holder_of, tickets_drawn


def problems(record: dict[str, Any]) -> list[str]:
    """What is wrong with a drawn month's public record; empty when its winners follow from its seed.
    A record that is not one (a missing key, a number that is not one) is a problem, never a crash."""
    try:
        return _problems(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"The record is not a drawn month's record ({type(exc).__name__}: {exc})."]


def _problems(record: dict[str, Any]) -> list[str]:
    draw = record.get("draw")
    if not draw:
        return [f"{record.get('month', '?')} has not been drawn."]
    seed, month, total = draw["seed"], record["month"], int(draw["total_tickets"])
    found = []
    if commitment(seed) != record.get("commitment"):
        found.append("The seed does not hash to the published commitment.")
    ranges = [(w["person"], int(w["first_ticket"]), int(w["last_ticket"])) for w in draw["winners"]]
    found += _range_problems(ranges, total)
    if found or total == 0:  # nobody held a ticket: nobody could be drawn
        return found + _count_problems(draw, len(ranges))
    again = redrawn(seed, month, total, ranges, len(draw["winners"]))
    published = [(w["person"], int(w["ticket"])) for w in sorted(draw["winners"], key=lambda w: w["place"])]
    if again != published:
        found.append(f"Drawing again from the seed gives {again}, not the published {published}.")
    return found + _count_problems(draw, len(ranges))


def _count_problems(draw: dict[str, Any], shown: int) -> list[str]:
    """A draw of n among m people has min(n, m) winners: a record showing fewer left some out."""
    if "winners_asked" not in draw or "people" not in draw:
        return []
    expected = min(int(draw["winners_asked"]), int(draw["people"]))
    return [] if shown == expected else [
        f"The record shows {shown} winners; a draw of {draw['winners_asked']} among {draw['people']} people "
        f"has {expected}."]


def _range_problems(ranges: list[tuple[str, int, int]], total: int) -> list[str]:
    found, taken = [], sorted((first, last, person) for person, first, last in ranges)
    for first, last, person in taken:
        if not 1 <= first <= last <= total:
            found.append(f"{person}'s tickets {first}-{last} are not within 1-{total}.")
    for (_, last, person), (first, _, other) in zip(taken, taken[1:], strict=False):
        if first <= last:
            found.append(f"{person}'s and {other}'s tickets overlap.")
    return found


def redrawn(seed: str, month: str, total: int, ranges: list[tuple[str, int, int]],
            winners: int) -> list[tuple[str, int]]:
    """The winners the seed draws, as far as the winners' own numbers tell: a drawn ticket that is
    no winner's ends the check, standing as the holder "?" (someone else would have won)."""
    out: list[tuple[str, int]] = []
    won: set[int] = set()  # by first number: a label ("winner-2") may be another winner's id too
    for ticket in tickets_drawn(seed, month, total):
        holder = holder_of(ranges, ticket)
        if holder is None:
            return [*out, ("?", ticket)]
        first = next(first for _, first, last in ranges if first <= ticket <= last)
        if first not in won:
            won.add(first)
            out.append((holder, ticket))
            if len(out) == winners:
                break
    return out


USAGE = "usage: python -m engagement.lottery.verify record.json [--commitment HEX]"


def main(argv: list[str] | None = None) -> int:
    """Check RECORD; with ``--commitment`` also that it is the draw of the commitment the reader
    noted while the month ran (their widget showed it): a record forged whole, with a seed of its
    own and that seed's hash as its commitment, passes every other check."""
    args = sys.argv[1:] if argv is None else argv
    noted = None
    if len(args) == 3 and args[1] == "--commitment":
        args, noted = args[:1], args[2].strip().lower()
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as file:
            record = json.load(file)
    except (OSError, ValueError) as exc:
        print(f"FAILED: {args[0]} is not a record to check ({exc}).")
        return 1
    found = problems(record)
    if noted is not None and record.get("commitment") != noted:
        found.append(f"The record's commitment is not the one noted before the draw ({noted}).")
    for problem in found:
        print(f"FAILED: {problem}")
    if not found:
        names = ", ".join(f"{w['place']}. {w.get('name') or w['person']} (ticket {w['ticket']})"
                          for w in record["draw"]["winners"])
        print(f"OK: the winners of {record['month']} follow from the revealed seed: {names}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
