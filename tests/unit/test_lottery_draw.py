"""The draw's algorithm (engagement/lottery/draw.py) on its own: over many seeds each person wins as
often as their share of the tickets says, first and second places alike (chi-square tests at a
fixed significance of 0.001, on seeds fixed in advance, so the test gives the same answer on every
run); a biased draw fails the same tests; winners are distinct; the public check recomputes them."""
from __future__ import annotations

import hashlib

from engagement.lottery import draw
from engagement.lottery.verify import problems

TICKETS = {"anne": 1, "bjorn": 2, "cecilie": 3, "dag": 4, "eli": 5, "frode": 5}  # 20 tickets among six
SEEDS = 12_000
# The chi-square distribution's 0.999 quantiles (any statistics table): a statistic above them has
# less than a 0.1 % chance when the draw is fair.
CRITICAL_0_001 = {5: 20.515, 29: 58.301}


def seeds(n: int = SEEDS, label: str = "fixed") -> list[str]:
    """``n`` seeds fixed in advance: the same on every run, independent of the draw."""
    return [hashlib.sha256(f"{label}-{i}".encode()).hexdigest() for i in range(n)]


def chi_square(observed: dict, expected: dict) -> float:
    return sum((observed.get(k, 0) - e) ** 2 / e for k, e in expected.items())


def first_places(winner_of) -> dict[str, int]:
    counts: dict[str, int] = {}
    for seed in seeds():
        person = winner_of(seed)
        counts[person] = counts.get(person, 0) + 1
    return counts


def fair_first(seed: str) -> str:
    return draw.draw(seed, "2026-11", draw.numbered(seed, TICKETS), 1)[0].person


def expected_first() -> dict[str, float]:
    total = sum(TICKETS.values())
    return {p: SEEDS * n / total for p, n in TICKETS.items()}


def test_each_persons_share_of_first_places_matches_their_share_of_tickets():
    assert chi_square(first_places(fair_first), expected_first()) < CRITICAL_0_001[len(TICKETS) - 1]


def test_a_draw_that_ignores_tickets_fails_the_same_test():
    """The test can fail: one ticket each (every person equally likely) is rejected."""
    people = sorted(TICKETS)
    uniform = first_places(lambda seed: people[int(seed, 16) % len(people)])
    assert chi_square(uniform, expected_first()) > CRITICAL_0_001[len(TICKETS) - 1]


def test_second_places_follow_the_tickets_left_without_replacement():
    """Each ordered pair (first, second) as often as t1/T · t2/(T − t1): 30 cells, 29 degrees of freedom."""
    total = sum(TICKETS.values())
    expected = {(a, b): SEEDS * ta / total * tb / (total - ta)
                for a, ta in TICKETS.items() for b, tb in TICKETS.items() if a != b}
    observed: dict[tuple[str, str], int] = {}
    for seed in seeds(label="pairs"):
        first, second = draw.draw(seed, "2026-11", draw.numbered(seed, TICKETS), 2)
        assert first.person != second.person
        observed[(first.person, second.person)] = observed.get((first.person, second.person), 0) + 1
    assert chi_square(observed, expected) < CRITICAL_0_001[29]


def test_a_second_place_that_ignores_tickets_fails_the_pairs_test():
    """The pairs test can fail: a fair first place and a second drawn uniformly among the others is rejected."""
    total = sum(TICKETS.values())
    expected = {(a, b): SEEDS * ta / total * tb / (total - ta)
                for a, ta in TICKETS.items() for b, tb in TICKETS.items() if a != b}
    observed: dict[tuple[str, str], int] = {}
    people = sorted(TICKETS)
    for seed in seeds(label="pairs"):
        first = fair_first(seed)
        second = people[int(seed[:16], 16) % len(people)]  # the second uniformly: ignores tickets
        while second == first:
            seed = hashlib.sha256(seed.encode()).hexdigest()
            second = people[int(seed[:16], 16) % len(people)]
        observed[(first, second)] = observed.get((first, second), 0) + 1
    assert chi_square(observed, expected) > CRITICAL_0_001[29]


def test_every_person_is_drawn_once_when_more_winners_are_asked_than_people():
    seed = seeds(1)[0]
    winners = draw.draw(seed, "2026-11", draw.numbered(seed, TICKETS), 50)
    assert sorted(w.person for w in winners) == sorted(TICKETS)
    assert [w.place for w in winners] == list(range(1, len(TICKETS) + 1))


def test_the_list_is_numbered_in_the_seeds_order_and_its_digest_changes_with_any_entry():
    seed = seeds(1)[0]
    entries = draw.numbered(seed, TICKETS)
    assert [e.first for e in entries] == [1 + sum(e.tickets for e in entries[:i]) for i in range(len(entries))]
    assert entries[-1].last == sum(TICKETS.values())
    # the seed, not the ids, orders the list: nobody chooses where anyone's numbers sit
    assert [e.person for e in entries] == sorted(TICKETS, key=lambda p: hashlib.sha256(f"{seed}:{p}".encode()).digest())
    other = draw.numbered(seed, {**TICKETS, "anne": 2})
    assert draw.digest(entries) != draw.digest(other)


def test_the_public_check_recomputes_the_winners_from_the_seed_alone():
    seed = seeds(1)[0]
    entries = {e.person: e for e in draw.numbered(seed, TICKETS)}
    won = draw.draw(seed, "2026-11", list(entries.values()), 3)
    record = {"month": "2026-11", "commitment": draw.commitment(seed),
              "draw": {"seed": seed, "total_tickets": 20, "winners": [
                  {"place": w.place, "person": w.person, "ticket": w.ticket, "first_ticket": entries[w.person].first,
                   "last_ticket": entries[w.person].last} for w in won]}}
    assert problems(record) == []
    assert problems({**record, "month": "2026-12"})  # another month's attempts draw other tickets
