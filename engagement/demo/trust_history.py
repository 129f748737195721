"""A synthetic organisation with planted patterns, for the trust report's demo and tests.

Every team of ten behaves the same for the three months before the planted one (six of ten
share two articles a month, everyone likes one article in their own team and one in the next
team's), so that each flag's baseline is plain. Months before those (the demo has a year, so
that its trend charts have a line all the way) follow the seasons as a workplace does: fewer
share in the summer holiday and at Christmas, more in spring and autumn, a little different
from team to team. In the planted month (October 2026 in the tests, last month in the demo)
each planted team changes one thing, and only that:

  quiet    went quiet: three share once each         -> declining
  carried  one person shares ten of twelve           -> one_person
  leaders  both leaders do nothing at all            -> quiet_leaders
  silo     likes only inside the team                -> silo
  low      one person of ten has ever shared         -> low_sharing (every month)
  ideas    two ideas without any answer              -> unanswered_ideas
  tiny     three people: folded into drift, never shown alone
  healthy, drift: nothing changes; an answered idea  -> no flag
"""
from __future__ import annotations

TEAMS = [("org", "Kommunen", None), ("helse", "Helse", "org"), ("drift", "Drift", "org"),
         ("healthy", "Sunne", "helse"), ("quiet", "Stilnet", "helse"), ("carried", "Båret", "helse"),
         ("leaders", "Tause ledere", "drift"), ("silo", "Siloen", "drift"), ("low", "Lavt", "drift"),
         ("ideas", "Idéteamet", "drift"), ("tiny", "Lite team", "drift")]
SIZES = {"healthy": 10, "quiet": 10, "carried": 10, "leaders": 10, "silo": 10, "low": 10, "ideas": 10,
         "drift": 8, "tiny": 3}
LEADERS = {"leaders": 2}
MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10")
STEADY = 4  # the planted month and the three before it: its baseline, the same in every team
# How many of ten share in an ordinary month, by calendar month: the summer holiday (July) and
# Christmas are quiet, spring and autumn busy.
SEASON = {1: 5, 2: 6, 3: 7, 4: 6, 5: 6, 6: 5, 7: 2, 8: 5, 9: 6, 10: 7, 11: 7, 12: 4}
# Made-up people's names: deterministic, varied, every pair different, none a demo user's.
FIRST = ("Anne", "Per", "Ingrid", "Lars", "Marit", "Jon", "Hanne", "Erik", "Sofie", "Magnus", "Nora", "Ole",
         "Liv", "Henrik", "Emma", "Tor", "Silje", "Anders", "Ida", "Knut", "Maja", "Sindre", "Tone", "Eirik",
         "Hilde", "Jonas", "Kristin", "Geir", "Thea", "Bjørn", "Camilla", "Håkon", "Vilde", "Arne", "Solveig",
         "Mats", "Ragnhild", "Øystein", "Astrid", "Sverre")
LAST = ("Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen",
        "Johnsen", "Pettersen", "Eriksen", "Haugen", "Halvorsen", "Jørgensen", "Strand", "Lie", "Moen", "Bakken",
        "Solberg", "Kristoffersen", "Aas", "Lunde", "Holm", "Iversen", "Sæther", "Lien", "Myhre", "Ødegård",
        "Vik")
EXPECTED = {"healthy": [], "quiet": ["declining"], "carried": ["one_person"], "leaders": ["quiet_leaders"],
            "silo": ["silo"], "low": ["low_sharing"], "ideas": ["unanswered_ideas"], "drift": []}


def person(team: str, i: int) -> str:
    return f"{team}-{i}"


def name(k: int) -> str:
    """The k-th person's name: first and last names step through their lists at different
    strides, so no pair repeats for the first 120 people (40 and 30 have 120 as their lcm)."""
    return f"{FIRST[k % len(FIRST)]} {LAST[(7 * k) % len(LAST)]}"


def directory(as_of: str = "2026-01-01") -> dict:
    """The organisation, its memberships starting on ``as_of`` (a date, the first day of its history)."""
    everyone = [(t, i) for t, n in SIZES.items() for i in range(n)]
    people = [{"id": person(t, i), "name": name(k), "team": t, "role": "leader" if i < LEADERS.get(t, 1) else "member"}
              for k, (t, i) in enumerate(everyone)]
    return {"mode": "full", "as_of": f"{as_of}T00:00:00+01:00", "people": people,
            "teams": [{"id": t, "name": title, "parent": parent} for t, title, parent in TEAMS]}


def _at(month: str, day: int, hour: int = 10) -> str:
    return f"{month}-{day:02d}T{hour:02d}:00:00+02:00"


def _event(type_: str, actor: str, kind: str, target: str, owner: str, time: str, **data) -> dict:
    return {"id": f"trust-demo-{type_}-{actor}-{kind}-{target}", "type": type_, "actor": actor, "time": time,
            "data": data, "target": {"kind": kind, "id": target, "owner": owner}}


def publish(team: str, i: int, month: str, k: int) -> dict:
    return _event("content.published", person(team, i), "article", f"{team}-{i}-{month}-{k}", person(team, i),
                  _at(month, 10), content_kind="article", title="Deling")


def like(actor: str, team: str, i: int, month: str, k: int = 0) -> dict:
    return _event("like.added", actor, "article", f"{team}-{i}-{month}-{k}", person(team, i), _at(month, 11))


def sharers(team: str, month: str, planted: str, steady: bool = True) -> dict[int, int]:
    """Who shares how many articles in a month: index -> count. A month that is not ``steady``
    (older than the planted month's baseline) follows the season, a little different per team."""
    october = month == planted
    if team == "low":
        return {1: 2}
    if not steady:
        calendar, offset = int(month[5:]), list(SIZES).index(team)
        count = max(1, min(SIZES[team], SEASON[calendar] + (offset + calendar) % 3 - 1))
        return {i: 1 + (i + calendar) % 3 % 2 for i in range(count)}
    if october and team == "quiet":
        return {0: 1, 1: 1, 2: 1}
    if october and team == "carried":
        return {0: 1, 1: 10, 2: 1}
    if october and team == "leaders":
        return {i: 2 for i in range(2, 8)}
    return {i: 2 for i in range(min(6, SIZES[team]))}


def month_events(team: str, month: str, neighbour: str, planted: str, steady: bool = True) -> list[dict]:
    """The team's articles, and each member's two likes: one in the team, one in the next team
    (in October the silo's second like stays inside the team too)."""
    mine = sharers(team, month, planted, steady)
    events = [publish(team, i, month, k) for i, n in mine.items() for k in range(n)]
    own, theirs = sorted(mine), sorted(sharers(neighbour, month, planted, steady))
    for i in range(SIZES[team]):
        if month == planted and team == "leaders" and i < LEADERS["leaders"]:
            continue  # the leaders do nothing in October
        me = person(team, i)
        mates = [j for j in own if j != i]
        if mates:
            events.append(like(me, team, mates[i % len(mates)], month))
        if month == planted and team == "silo":
            events.append(like(me, team, mates[(i + 1) % len(mates)], month, k=1))
        elif steady or busy(i, month):
            events.append(like(me, neighbour, theirs[i % len(theirs)], month))
    return events


def busy(i: int, month: str) -> bool:
    """Whether member ``i`` also likes the next team's article in a month by the season: three in
    four do, half in the summer holiday and at Christmas."""
    calendar = int(month[5:])
    return (i + calendar) % (2 if calendar in (7, 12) else 4) != 0


def idea_events(planted: str) -> list[dict]:
    ideas = [_event("idea.submitted", person("ideas", i), "idea", f"idea-{i}", person("ideas", i), _at(planted, 5),
                    title="En idé") for i in (1, 2)]
    answered = [_event("idea.submitted", person("healthy", 3), "idea", "idea-h", person("healthy", 3),
                       _at(planted, 5), title="Svar meg"),
                _event("idea.answered", person("healthy", 0), "idea", "idea-h", person("healthy", 3),
                       _at(planted, 6), status="under_review", note="Vi ser på den")]
    return ideas + answered


def events(months: tuple[str, ...] = MONTHS) -> list[dict]:
    """Months by the season, three ordinary months, then the planted one (the last)."""
    teams, planted = list(SIZES), months[-1]
    out = []
    for number, month in enumerate(months):
        steady = number >= len(months) - STEADY
        for index, team in enumerate(teams):
            out += month_events(team, month, teams[(index + 1) % len(teams)], planted, steady)
    return out + idea_events(planted)


HISTORY = 12  # the demo's months: as many as the dashboard's trend and its period list show


def last_months(today, count: int = HISTORY) -> tuple[str, ...]:
    """The ``count`` whole months before ``today``'s, oldest first: the demo's history."""
    index = today.year * 12 + today.month - 1
    return tuple(f"{(index - k) // 12}-{(index - k) % 12 + 1:02d}" for k in range(count, 0, -1))
