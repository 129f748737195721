"""An independent recount of recognition from the unique events sent, for exactness tests.

It shares no code with the consumer: it works from the set of unique events, where
the final like state of (target, person) is simply the event with the greatest
(time, id), and the Bra! of a person that counts for a colleague in a calendar month (UTC) is
the one with the least (time, id), whatever order the events arrived in; other Bra!s from that
person to that colleague in that month count nothing.
"""
from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta


def random_events(count: int, seed: int = 7, people: int = 20, targets: int = 30) -> list[dict]:
    """Likes, unlikes, comments, kudos, self-likes and duplicates, times out of order."""
    rng = random.Random(seed)
    owners = {f"a{t}": f"p{t % people}" for t in range(targets)}
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    sent: list[dict] = []
    while len(sent) < count:
        if sent and rng.random() < 0.1:
            sent.append(rng.choice(sent))  # a client retrying an earlier event
            continue
        target = rng.choice(list(owners))
        owner = owners[target]
        actor = owner if rng.random() < 0.08 else f"p{rng.randrange(people)}"
        moment = (start + timedelta(seconds=rng.randrange(3600))).isoformat()
        kind = rng.choices(["like.added", "like.removed", "comment.posted", "kudos.given"], [5, 3, 1, 1])[0]
        event = {"id": f"r-{uuid.UUID(int=rng.getrandbits(128)).hex}", "type": kind, "actor": actor,
                 "target": {"kind": "article", "id": target, "owner": owner}, "time": moment}
        if kind == "comment.posted":
            event["data"] = {"comment_id": event["id"], "text": "Enig!"}
        if kind == "kudos.given":  # for the person, or about any article (repeats count once)
            event["target"] = {"kind": "person", "id": owner, "owner": owner}
            if rng.random() < 0.5:
                event["data"] = {"about": f"article:{rng.choice(list(owners))}"}
        sent.append(event)
    return sent


def directory(people: int = 20, teams: int = 4) -> dict:
    """A full directory sync putting p0..p19 in four teams."""
    return {"mode": "full", "as_of": "2026-01-01T00:00:00+00:00",
            "teams": [{"id": f"team{t}", "name": f"Team {t}", "parent": None} for t in range(teams)],
            "people": [{"id": f"p{p}", "name": f"Person {p}", "team": f"team{p % teams}"} for p in range(people)]}


def team_sums(expected: dict, teams: int = 4) -> dict[str, dict[str, Counter]]:
    """Team received and given from the per-person recount (nobody moves in these tests)."""
    out: dict[str, dict[str, Counter]] = defaultdict(lambda: {"received": Counter(), "given": Counter()})
    for side in ("received", "given"):
        for person, counts in expected[side].items():
            out[f"team{int(person[1:]) % teams}"][side].update(counts)
    return out


def recount(sent: list[dict]) -> dict:
    unique = {e["id"]: e for e in reversed(sent)}  # first sending of each id wins
    latest: dict[tuple, dict] = {}
    first_kudos: dict[tuple, dict] = {}
    targets: dict[tuple, Counter] = defaultdict(Counter)
    received, given = defaultdict(Counter), defaultdict(Counter)
    colleagues: dict[str, set] = defaultdict(set)
    for e in unique.values():
        t = (e["target"]["kind"], e["target"]["id"])
        if e["type"].startswith("like."):
            key = (t, e["actor"])
            if key not in latest or (e["time"], e["id"]) > (latest[key]["time"], latest[key]["id"]):
                latest[key] = e
            continue
        if e["type"] == "kudos.given":
            key = (f"person:{e['target']['id']}", _utc_month(e["time"]), e["actor"])
            if key not in first_kudos or (e["time"], e["id"]) < (first_kudos[key]["time"], first_kudos[key]["id"]):
                first_kudos[key] = e
            continue
        if e["type"] == "comment.posted":
            _add(targets, received, given, colleagues, t, e["target"]["owner"], e["actor"], "comment")
    for e in first_kudos.values():
        _add(targets, received, given, colleagues, ("person", e["target"]["id"]), e["target"]["owner"], e["actor"],
             "kudos")
        if about := e.get("data", {}).get("about"):
            targets[tuple(about.split(":", 1))]["kudos"] += 1
    for (t, actor), e in latest.items():
        if e["type"] == "like.added":
            _add(targets, received, given, colleagues, t, e["target"]["owner"], actor, "like")
    return {"targets": targets, "received": received, "given": given,
            "colleagues": {p: len(c) for p, c in colleagues.items()},
            "likers": {(t, actor) for (t, actor), e in latest.items() if e["type"] == "like.added"}}


def _utc_month(moment: str | datetime) -> str:
    when = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
    return when.astimezone(UTC).strftime("%Y-%m")


def _add(targets, received, given, colleagues, target, owner, actor, kind) -> None:
    targets[target][kind] += 1
    if actor != owner:
        received[owner][kind] += 1
        given[actor][kind] += 1
        colleagues[owner].add(actor)
