"""How many lottery tickets a person earns in a month, from the awards' counts of that month.

The rule (``ENGAGEMENT_LOTTERY_TICKETS``, docs/features/lottery.md), in plain words:

* nothing without a contribution of one's own that month (an article or answer published, an
  idea, a contribution to an idea, a comment): the draw rewards sharing, not clicking;
* then ``base`` tickets, one more for every ``recognisers_per_ticket`` colleagues who recognised
  the person (like, comment, Bra!) *one way*, and one more for every ``idea_owners_per_ticket``
  colleagues whose ideas the person built on;
* at most ``cap``: volume cannot buy the draw.

One way: recognition from a colleague the person recognised back in the same month counts for
neither of them. Self-recognition never reaches the counts at all. So a closed circle liking
only each other's posts earns nothing beyond their base tickets, however big the circle, while
recognition from people one has not recognised (the broad, one-way kind) earns the most.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.awards.model import AwardTally
from engagement.awards.scoring import ACTION, COLLEAGUE, IDEA_OWNER


@dataclass(frozen=True)
class Rule:
    base: int = 1
    recognisers_per_ticket: int = 2
    idea_owners_per_ticket: int = 2
    cap: int = 5

    @classmethod
    def from_config(cls, given: dict[str, Any]) -> Rule:
        """The configured rule; a value that is not a whole number of at least 1 stops the start."""
        if not isinstance(given, dict):
            raise ValueError("ENGAGEMENT_LOTTERY_TICKETS must be a JSON object, e.g. {\"cap\": 3}")
        unknown = sorted(set(given) - set(asdict(cls())))
        bad = [k for k, v in given.items() if isinstance(v, bool) or not isinstance(v, int) or v < 1]
        if unknown or bad:
            raise ValueError(f"ENGAGEMENT_LOTTERY_TICKETS: unknown keys {unknown}, or not whole numbers >= 1: {bad}")
        rule = cls(**given)
        if rule.base > rule.cap:
            raise ValueError("ENGAGEMENT_LOTTERY_TICKETS: base is more than cap")
        return rule


@dataclass(frozen=True)
class Counts:
    """What a person's tickets rest on in one month."""

    contributions: int = 0
    recognisers: int = 0  # one way only
    idea_owners: int = 0


@dataclass(frozen=True)
class Tickets:
    tickets: int
    base: int
    recognised: int
    ideas: int

    @property
    def parts(self) -> dict[str, int]:
        return {"base": self.base, "recognised": self.recognised, "ideas": self.ideas}


def tickets(counts: Counts, rule: Rule) -> Tickets:
    """The person's tickets and what each part of the rule gave, within the cap."""
    if counts.contributions < 1:
        return Tickets(0, 0, 0, 0)
    base = rule.base
    recognised = min(counts.recognisers // rule.recognisers_per_ticket, rule.cap - base)
    ideas = min(counts.idea_owners // rule.idea_owners_per_ticket, rule.cap - base - recognised)
    return Tickets(base + recognised + ideas, base, recognised, ideas)


def next_steps(counts: Counts, rule: Rule) -> list[dict[str, Any]]:
    """What earns the next ticket: a first contribution, or so many more one-way recognisers or
    idea owners; nothing at the cap."""
    if counts.contributions < 1:
        return [{"kind": "contribute"}]
    if tickets(counts, rule).tickets >= rule.cap:
        return []
    per_recogniser, per_owner = rule.recognisers_per_ticket, rule.idea_owners_per_ticket
    return [{"kind": "recognisers", "more": per_recogniser - counts.recognisers % per_recogniser},
            {"kind": "ideas", "more": per_owner - counts.idea_owners % per_owner}]


def month_counts(session: Session, month: str, person: str | None = None) -> dict[str, Counts]:
    """Every person's counts in ``month`` (or one person's), from the awards' tallies: contributions
    by action, who recognised whom, and whose ideas each built on."""
    t = AwardTally
    facets = (ACTION, COLLEAGUE, IDEA_OWNER)
    query = select(t.person, t.facet, t.key, t.count).where(t.month == month, t.facet.in_(facets), t.count > 0)
    if person is not None:  # the person's own rows, and who of their recognisers they recognised back
        query = query.where((t.person == person) | ((t.facet == COLLEAGUE) & (t.key == person)))
    contributions: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    recognised_by: dict[str, set[str]] = {}
    for who, facet, key, count in session.execute(query):
        if facet == ACTION:
            contributions[who] += count
        elif facet == IDEA_OWNER and key != who:
            owners[who] += 1
        elif facet == COLLEAGUE and key != who:
            recognised_by.setdefault(who, set()).add(key)
    people = set(contributions) | set(owners) | set(recognised_by)
    if person is not None:
        people &= {person}
    return {p: Counts(contributions[p], _one_way(p, recognised_by), owners[p]) for p in people}


def _one_way(person: str, recognised_by: dict[str, set[str]]) -> int:
    """Colleagues who recognised ``person`` without ``person`` recognising them back."""
    return sum(1 for giver in recognised_by.get(person, ()) if person not in recognised_by.get(giver, ()))
