"""How many lottery tickets a person earns in a month, from the awards' counts of that month.

The rule (``ENGAGEMENT_LOTTERY_TICKETS``, docs/features/lottery.md), in plain words:

* nothing without a contribution of one's own that month (an article or answer published, an
  idea, a contribution to an idea, a comment): the draw rewards sharing, not clicking;
* then ``base`` tickets, one more for every ``recognisers_per_ticket`` colleagues who recognised
  the person (like, comment, Bra!) *one way*, and one more for every ``idea_owners_per_ticket``
  colleagues whose ideas the person built on, up to half the cap from ideas;
* at most ``cap``: volume cannot buy the draw.

One way: recognition from a colleague the person recognised back in the same month counts for
neither of them, and so does building on each other's ideas. Nothing from going round a circle:
a group whose members all reach each other through recognition and idea-building earns nothing
for the support inside it, however it arranges who likes whom, unless it is the organisation's
main body (the month's largest such group); support from outside the group still counts
(:class:`Support`).
Self-recognition never reaches the counts at all.
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

    @property
    def ideas_most(self) -> int:
        """Building on ideas gives at most half the cap: a "+1" needs nobody else to do anything,
        so a string of them on colleagues' ideas must not reach the cap alone."""
        return self.cap // 2

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

    contributions: int = 0  # 1 if the person contributed at all that month
    recognisers: int = 0  # one way, from outside any closed circle
    idea_owners: int = 0  # likewise


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
    ideas = min(counts.idea_owners // rule.idea_owners_per_ticket, rule.ideas_most, rule.cap - base - recognised)
    return Tickets(base + recognised + ideas, base, recognised, ideas)


def next_steps(counts: Counts, rule: Rule) -> list[dict[str, Any]]:
    """What earns the next ticket: a first contribution, or so many more one-way recognisers or
    idea owners; nothing at the cap."""
    if counts.contributions < 1:
        return [{"kind": "contribute"}]
    held = tickets(counts, rule)
    if held.tickets >= rule.cap:
        return []
    per_recogniser, per_owner = rule.recognisers_per_ticket, rule.idea_owners_per_ticket
    steps = [{"kind": "recognisers", "more": per_recogniser - counts.recognisers % per_recogniser}]
    if held.ideas < rule.ideas_most:
        steps.append({"kind": "ideas", "more": per_owner - counts.idea_owners % per_owner})
    return steps


def month_counts(session: Session, month: str) -> dict[str, Counts]:
    """Every person's counts in ``month``, from the awards' tallies: contributions by action, who
    recognised whom and whose ideas each built on, less the support that does not count (one way
    only, and nothing from inside a closed circle): see :class:`Support`."""
    t = AwardTally
    query = select(t.person, t.facet, t.key).where(t.month == month, t.facet.in_((ACTION, COLLEAGUE, IDEA_OWNER)),
                                                  t.count > 0)
    contributed: set[str] = set()
    support = Support()
    for who, facet, key in session.execute(query):
        if facet == ACTION:
            contributed.add(who)
        elif key != who:
            support.add(COLLEAGUE if facet == COLLEAGUE else IDEA_OWNER, key, who)
    counted = support.counted()
    people = contributed | set(counted)
    return {p: Counts(int(p in contributed), counted.get(p, Counter())[COLLEAGUE],
                      counted.get(p, Counter())[IDEA_OWNER]) for p in people}


class Support:
    """Who gave whom credit in a month: a colleague's recognition (``colleague``), or their idea that
    someone built on (``idea_owner``), as edges from giver to receiver.

    What counts: an edge of one kind counts only one way (two colleagues who recognised each other,
    or built on each other's ideas, earn nothing from each other), and support inside a circle
    counts only in the organisation's main body. A circle is a group in which everyone reaches
    everyone through what they did (a like or a Bra! points from the one who gave it, a "+1" from
    the one who built on the idea: nobody is drawn into a circle by what someone else did to
    them); the main body is the month's largest, when one group is larger than every other. So a
    group whose support goes round and round itself, whatever way round, earns nothing for it, and
    what anyone outside the group gives it still counts."""

    def __init__(self) -> None:
        self.edges: dict[str, set[tuple[str, str]]] = {}  # giver -> {(kind, receiver)}
        self.acts: dict[str, set[tuple[str, str]]] = {}  # who acted -> {(kind, towards whom)}

    def add(self, kind: str, giver: str, receiver: str) -> None:
        self.edges.setdefault(giver, set()).add((kind, receiver))
        self.edges.setdefault(receiver, set())
        actor, other = (receiver, giver) if kind == IDEA_OWNER else (giver, receiver)
        self.acts.setdefault(actor, set()).add((kind, other))
        self.acts.setdefault(other, set())

    def counted(self) -> dict[str, Counter]:
        """Per receiver, how many givers of each kind count."""
        component = components(self.acts)
        size = Counter(component.values())
        ranked = sorted(size.values(), reverse=True)
        main = ranked[0] if ranked and (len(ranked) == 1 or ranked[0] > ranked[1]) else 0  # a tie: no main body
        out: dict[str, Counter] = {}
        for giver, given in self.edges.items():
            for kind, receiver in given:
                if (kind, giver) in self.edges[receiver]:  # both ways: neither counts
                    continue
                if component[giver] == component[receiver] and size[component[giver]] != main:
                    continue  # round a circle that is not the main body
                out.setdefault(receiver, Counter())[kind] += 1
        return out


def components(edges: dict[str, set[tuple[str, str]]]) -> dict[str, int]:
    """Each node's strongly connected component (Tarjan's algorithm, iterative: a month's graph may
    be deep enough to overflow Python's recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: dict[str, int] = {}
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted({r for _, r in edges[root]})))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted({r for _, r in edges[child]}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    out[member] = index[node]
                    if member == node:
                        break
    return out
