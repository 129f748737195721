"""The draw itself: winners from a revealed seed and a frozen ticket list, by an algorithm anyone
can run again. Standard library only, so ``python -m engagement.lottery.verify`` checks a draw on
any machine with Python, without Tillit's database or dependencies.

The algorithm ("tillit-lottery-1"), in full:

1. The seed is 32 random bytes, written as 64 lower-case hex digits. Before the month ended the
   service published ``commitment = SHA-256(seed as those 64 ASCII characters)``, in hex.
2. The ticket list is frozen at the draw: each person in it with their number of tickets (at
   least one). People are put in the order of ``SHA-256(seed + ":" + person id)`` in hex (then
   by id), and tickets are numbered 1, 2, ... in that order: a person with 3 tickets holds three
   consecutive numbers. The order comes from the seed, so nobody could choose where anyone sits.
3. Draw attempt ``j`` (0, 1, 2, ...) takes ``HMAC-SHA256(key = the 32 seed bytes, message =
   "<month>:<j>")``, reads its first 8 bytes as an unsigned big-endian integer ``x``, and skips
   the attempt when ``x >= 2**64 - 2**64 % total`` (so every number is equally likely); otherwise
   the ticket drawn is ``x % total + 1``. Its holder wins unless they have already won, in which
   case the attempt is skipped. Attempts go on until the asked number of winners is reached (or
   everyone in the list has won).

Skipping a ticket of someone who already won is drawing without replacement: each next winner
is drawn with a chance proportional to their tickets among those not drawn yet. Checking needs
only the seed, the total and the winners' ticket numbers, never the rest of the list.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

ALGORITHM = "tillit-lottery-1"
SEED_BYTES = 32
SPACE = 2 ** 64
MAX_WINNERS = 50  # asked of one draw at most
MAX_ATTEMPTS = 1_000_000  # a draw of 50 among a few tickets ends long before; a bad record does not loop


@dataclass(frozen=True)
class Entry:
    """A person's tickets in the frozen list: numbers ``first`` to ``first + tickets - 1``."""

    person: str
    tickets: int
    first: int

    @property
    def last(self) -> int:
        return self.first + self.tickets - 1


@dataclass(frozen=True)
class Winner:
    place: int
    person: str
    ticket: int


def commitment(seed: str) -> str:
    """What is published before the month ends: SHA-256 of the seed's 64 hex characters."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def numbered(seed: str, tickets: dict[str, int]) -> list[Entry]:
    """The frozen list in the seed's order, each person's tickets numbered from 1 up."""
    order = sorted((p for p, n in tickets.items() if n > 0),
                   key=lambda p: (hashlib.sha256(f"{seed}:{p}".encode()).hexdigest(), p))
    out, first = [], 1
    for person in order:
        out.append(Entry(person, tickets[person], first))
        first += tickets[person]
    return out


def digest(entries: Iterable[Entry]) -> str:
    """SHA-256 of the list as compact JSON ``[[person, tickets, first], ...]`` in ticket order: the
    published fingerprint of a list that itself stays private."""
    rows = [[e.person, e.tickets, e.first] for e in sorted(entries, key=lambda e: e.first)]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def tickets_drawn(seed: str, month: str, total: int):
    """Ticket numbers 1..total, as attempts 0, 1, 2, ... draw them (unbiased)."""
    key, limit = bytes.fromhex(seed), SPACE - SPACE % total
    for attempt in range(MAX_ATTEMPTS):
        x = int.from_bytes(hmac.new(key, f"{month}:{attempt}".encode(), hashlib.sha256).digest()[:8], "big")
        if x < limit:
            yield x % total + 1


def draw(seed: str, month: str, entries: list[Entry], winners: int) -> list[Winner]:
    """Up to ``winners`` distinct winners, each with the ticket that made them win."""
    total = sum(e.tickets for e in entries)
    if total == 0 or winners < 1:
        return []
    firsts = [e.first for e in entries]
    out: list[Winner] = []
    won: set[str] = set()
    for ticket in tickets_drawn(seed, month, total):
        holder = entries[_holding(firsts, ticket)].person
        if holder not in won:
            won.add(holder)
            out.append(Winner(len(out) + 1, holder, ticket))
            if len(out) == min(winners, len(entries)):
                break
    return out


def _holding(firsts: list[int], ticket: int) -> int:
    """Index of the entry holding ``ticket`` (firsts ascending): a binary search."""
    lo, hi = 0, len(firsts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if firsts[mid] <= ticket:
            lo = mid
        else:
            hi = mid - 1
    return lo


def holder_of(ranges: list[tuple[str, int, int]], ticket: int) -> str | None:
    """Whose of the given (person, first, last) ranges holds ``ticket``: for a check from the
    public record, which lists only the winners' ranges."""
    return next((p for p, first, last in ranges if first <= ticket <= last), None)
