"""Monthly awards: live top lists, the provisional result, and finalising a month.

Live scores are recomputed per touched person after each batch from their summary
(absolute values into SQL and a Redis sorted set per month and category). Only top lists
are ever shown, never a bottom list, and people who opted out of public ranking are left
out of every list, result and announcement. Finalising freezes the result with the
consumer's tracking positions as its cut-off; a finalised month never changes.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.awards import bulk
from engagement.awards.model import AwardIdea, AwardScore, AwardSnapshot, AwardSummary, AwardTally
from engagement.awards.scoring import (
    ACTION,
    CATEGORIES,
    HELPED_TEAMS_THRESHOLD,
    IDEA,
    IDEA_OWNER,
    READ_AS_IS,
    SUMMARY_FIELDS,
    Summary,
    ranking,
    score_summarised,
)
from engagement.db import utcnow
from engagement.directory.model import Person
from engagement.errors import EngagementError
from engagement.ledger.model import ConsumerPosition
from engagement.locks import lock_keys

logger = logging.getLogger(__name__)
PODIUM = 3
LOCK_SPACE = 2  # advisory-lock space of the awards' scores (engagement/locks.py)


class AwardBoard:
    def __init__(self, redis_factory, prefix: str, points: dict[str, float], ranking_mode: str = "opt-out"):
        self._redis_factory, self.prefix, self.points = redis_factory, prefix, points
        self.ranking_mode = ranking_mode

    def key(self, month: str, category: str) -> str:
        return f"{self.prefix}lb:{month}:{category}"

    def clear(self) -> None:
        redis = self._redis_factory()
        if redis is None:
            return
        for key in redis.scan_iter(match=f"{self.prefix}lb:*", count=1000):
            redis.delete(key)

    def forget(self, person: str) -> None:
        """Erasure: take the person out of every top list."""
        redis = self._redis_factory()
        if redis is None:
            return
        for key in redis.scan_iter(match=f"{self.prefix}lb:*", count=1000):
            redis.zrem(key, person)

    def refresh(self, session: Session, touched: set[tuple[str, str]],
                summaries: dict[tuple, tuple] | None = None) -> None:
        """Recompute the touched people's scores; inside the consumer's transaction, so retries
        rewrite. All of them in one upsert, and one Redis round trip for the top lists.
        ``summaries`` are those the batch has just written ((month, person) -> SUMMARY_FIELDS, as
        the upsert answered them, locked to commit); the others are read."""
        # Another partition's consumer may be scoring the same people: wait for it, then count
        # what it committed too, so the last score written is complete.
        lock_keys(session, LOCK_SPACE, {f"{m}:{p}" for m, p in touched})
        known = {key: Summary(*values) for key, values in (summaries or {}).items()}
        scored = touched_scores(session, touched, self.points, known)
        write_scores(session, scored)
        self._mirror(scored)

    def _mirror(self, scored: list[tuple[str, str, dict]]) -> None:
        """The scores into the month's sorted sets: per set one ZADD of the positive scores and
        one ZREM of the others (only top lists are shown), in one pipeline."""
        redis = self._redis_factory()
        if redis is None:
            return
        positive: dict[str, dict[str, float]] = {}
        unscored: dict[str, list[str]] = {}
        for month, person, categories in scored:
            for category, result in categories.items():
                key = self.key(month, category)
                if result["score"] > 0:
                    positive.setdefault(key, {})[person] = result["score"]
                else:
                    unscored.setdefault(key, []).append(person)
        pipe = redis.pipeline(transaction=False)
        for key, mapping in positive.items():
            pipe.zadd(key, mapping)
        for key, people in unscored.items():
            pipe.zrem(key, *people)
        pipe.execute()

    def top(self, session: Session, month: str, category: str, n: int) -> list[dict]:
        public = Public(session, self.ranking_mode)
        reach = n + (len(public.people) if public.mode == "opt-out" else 10 * n)
        rows = self._top_rows(session, month, category, reach)
        shown = [(p, s) for p, s in in_ranking_order(session, month, category, rows) if p in public][:n]
        known = names(session, [p for p, _ in shown])
        return [{"rank": i + 1, "person": p, "name": known.get(p, p), "score": s} for i, (p, s) in enumerate(shown)]

    def _top_rows(self, session: Session, month: str, category: str, reach: int) -> list[tuple[str, float]]:
        """From Redis when one is configured and answers; from the durable scores otherwise."""
        try:
            if self._redis_factory() is not None:
                return self._from_redis(session, month, category, reach)
        except Exception as exc:  # noqa: BLE001 - the durable scores answer when Redis cannot
            logger.warning("leaderboard cache unavailable: %r", exc)
        return _top_from_sql(session, month, category, reach)

    def _from_redis(self, session: Session, month: str, category: str, reach: int) -> list[tuple[str, float]]:
        """The ``reach`` highest scores and everyone tied with the last of them; refilled from
        the durable scores when the set is missing (never scored, or Redis flushed or restarted)."""
        redis, key = self._redis_factory(), self.key(month, category)
        raw = redis.zrevrange(key, reach - 1, reach - 1, withscores=True)
        if not raw and not redis.exists(key):
            everyone = session.execute(_scores(month, category)).all()
            if not everyone:
                return []
            redis.zadd(key, dict(everyone))
            raw = redis.zrevrange(key, reach - 1, reach - 1, withscores=True)
        lowest = raw[0][1] if raw else "-inf"
        return [(p.decode() if isinstance(p, bytes) else p, s)
                for p, s in redis.zrevrangebyscore(key, "+inf", lowest, withscores=True)]


def _scores(month: str, category: str):
    """Everyone with a score in a month's category, from the durable table."""
    return select(AwardScore.person, AwardScore.score).where(
        AwardScore.month == month, AwardScore.category == category, AwardScore.score > 0)


def _top_from_sql(session: Session, month: str, category: str, reach: int) -> list[tuple[str, float]]:
    """As ``_from_redis``, from the durable scores."""
    top = session.execute(_scores(month, category).order_by(AwardScore.score.desc()).limit(reach)).all()
    if len(top) < reach:
        return list(top)
    return list(session.execute(_scores(month, category).where(AwardScore.score >= top[-1][1])).all())


def in_ranking_order(session: Session, month: str, category: str,
                     rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Highest first, ties by more distinct colleagues, then person id: the result's own rule."""
    people = [p for p, _ in rows]
    facts: dict[str, Any] = dict(session.execute(select(AwardScore.person, AwardScore.facts).where(
        AwardScore.month == month, AwardScore.category == category, AwardScore.person.in_(people))).all()) \
        if people else {}
    return [(p, s) for p, s, _ in ranking([(p, s, facts.get(p, {})) for p, s in rows])]


def touched_scores(session: Session, touched: set[tuple[str, str]], points: dict[str, float],
                   known: dict[tuple[str, str], Summary] | None = None) -> list[tuple[str, str, dict]]:
    """(month, person, scores) of every touched (month, person), in their order, from their summaries
    (``known`` ones as given, the others read) and their few action, idea and idea-owner tallies: three
    queries for the whole batch, however many months its events fall in and however full they are."""
    pairs = sorted(touched)
    summaries = dict(known or {})
    unknown = [pair for pair in pairs if pair not in summaries]
    if unknown:
        summaries.update({(month, person): Summary(*values)
                          for month, person, *values in _summary_rows(session, unknown)})
    counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}  # only of those with such tallies (few)
    for month, person, facet, key, count in _tally_rows(session, pairs):
        if (month, person) not in counts:
            counts[(month, person)] = {facet: {} for facet in READ_AS_IS}
        counts[(month, person)][facet][key] = count
    ideas = {ref.removeprefix("idea:") for c in counts.values() for ref, n in c[IDEA].items() if n > 0}
    adopted = set(session.scalars(select(AwardIdea.idea_id).where(
        bulk.among(session, AwardIdea.idea_id, ideas), AwardIdea.adopted.is_(True)))) if ideas else set()
    none: dict[str, dict[str, int]] = {facet: {} for facet in READ_AS_IS}
    out = []
    for pair in pairs:
        c = counts.get(pair, none)
        out.append((*pair, score_summarised(summaries.get(pair, Summary()), c[ACTION], c[IDEA], adopted, points,
                                            c[IDEA_OWNER])))
    return out


# Rescoring's reads on PostgreSQL, as plain tuples from the driver: thousands of rows a batch, which
# the ORM's statement building and row objects would cost more to hand over than the server to find.
# The (month, person) pairs travel as two arrays, whatever months a batch touches (a replay's batch
# spans many).
TOUCHED = ("unnest(CAST(%(months)s AS VARCHAR[]), CAST(%(people)s AS VARCHAR[])) AS u(month, person)")
SUMMARY_ROWS = (f"SELECT s.month, s.person, {', '.join(f's.{f}' for f in SUMMARY_FIELDS)} "
                f"FROM {AwardSummary.__tablename__} AS s JOIN {TOUCHED} "
                "ON s.month = u.month AND s.person = u.person")
TALLY_ROWS = (f"SELECT t.month, t.person, t.facet, t.key, t.count FROM {AwardTally.__tablename__} AS t "
              f"JOIN {TOUCHED} ON t.month = u.month AND t.person = u.person WHERE t.facet = ANY(%(facets)s)")


def _pairs(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    return {"months": [m for m, _ in pairs], "people": [p for _, p in pairs]}


def _by_month(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    months: dict[str, list[str]] = {}
    for month, person in pairs:
        months.setdefault(month, []).append(person)
    return months


def _summary_rows(session: Session, pairs: list[tuple[str, str]]) -> list[tuple]:
    """(month, person, *SUMMARY_FIELDS) of these people's months."""
    if bulk.postgres(session):
        return session.connection().connection.cursor().execute(SUMMARY_ROWS, _pairs(pairs)).fetchall()
    s = AwardSummary
    return [tuple(row) for month, people in _by_month(pairs).items() for row in session.execute(
        select(s.month, s.person, *(getattr(s, f) for f in SUMMARY_FIELDS)).where(
            s.month == month, s.person.in_(people)))]


def _tally_rows(session: Session, pairs: list[tuple[str, str]]) -> list[tuple]:
    """(month, person, facet, key, count) of these people's action, idea and idea-owner tallies."""
    if bulk.postgres(session):
        return session.connection().connection.cursor().execute(
            TALLY_ROWS, {**_pairs(pairs), "facets": list(READ_AS_IS)}).fetchall()
    t = AwardTally
    return [tuple(row) for month, people in _by_month(pairs).items() for row in session.execute(
        select(t.month, t.person, t.facet, t.key, t.count).where(
            t.month == month, t.person.in_(people), t.facet.in_(READ_AS_IS)))]


def write_scores(session: Session, scored: list[tuple[str, str, dict]]) -> None:
    """Each (month, person, {category: {score, facts}}) as its three AwardScore rows, in one
    upsert in key order. On PostgreSQL a person travels once (their three scores and the facts
    the categories share, serialised once) and the statement fans them out to the categories."""
    if not scored:
        return
    if not bulk.postgres(session):
        rows = [{"month": month, "category": category, "person": person, "score": result["score"],
                 "facts": result["facts"]} for month, person, categories in scored
                for category, result in categories.items()]
        rows.sort(key=lambda r: (r["month"], r["category"], r["person"]))
        bulk.insert(session, AwardScore, rows, keys=("month", "category", "person"), set_=("score", "facts"))
        return
    dumps = getattr(session.get_bind().dialect, "_json_serializer", None) or json.dumps
    params: dict[str, list] = {"month": [], "person": [], "facts": [], **{f"s{i}": [] for i in range(len(CATEGORIES))}}
    for month, person, categories in scored:
        params["month"].append(month)
        params["person"].append(person)
        params["facts"].append(dumps(categories[CATEGORIES[0]]["facts"]))
        for i, category in enumerate(CATEGORIES):
            params[f"s{i}"].append(categories[category]["score"])
    cursor = session.connection().connection.cursor()
    cursor.execute(SCORES_UPSERT, {**params, "categories": list(CATEGORIES)})


# The categories' scores by position in CATEGORIES; rows in primary-key order, as every writer takes them.
SCORES_UPSERT = (
    f"INSERT INTO {AwardScore.__tablename__} (month, category, person, score, facts) "
    "SELECT u.month, c.category, u.person, (ARRAY[u.s0, u.s1, u.s2])[c.i], CAST(u.facts AS JSON) "
    "FROM unnest(CAST(%(month)b AS VARCHAR[]), CAST(%(person)b AS VARCHAR[]), CAST(%(s0)b AS FLOAT8[]), "
    "CAST(%(s1)b AS FLOAT8[]), CAST(%(s2)b AS FLOAT8[]), CAST(%(facts)b AS TEXT[])) "
    "AS u(month, person, s0, s1, s2, facts) "
    "CROSS JOIN unnest(CAST(%(categories)b AS VARCHAR[])) WITH ORDINALITY AS c(category, i) "
    "ORDER BY u.month, c.category, u.person "
    "ON CONFLICT (month, category, person) DO UPDATE SET score = EXCLUDED.score, facts = EXCLUDED.facts")


class Public:
    """Who may appear in public lists: everyone but those who opted out (the default), or,
    with ENGAGEMENT_PUBLIC_RANKING=opt-in, only those who opted in."""

    def __init__(self, session: Session, mode: str):
        self.mode = mode
        flag = Person.leaderboard_opt_in if mode == "opt-in" else Person.leaderboard_opt_out
        self.people = set(session.scalars(select(Person.id).where(flag.is_(True))))

    def __contains__(self, person: str) -> bool:
        return (person in self.people) == (self.mode == "opt-in")


def names(session: Session, people: list[str]) -> dict[str, str]:
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(people))).all()) if people else {}


def result(session: Session, month: str, ranking_mode: str = "opt-out") -> dict:
    """Winners and runners-up per category with the facts behind them, and the threshold list."""
    public = Public(session, ranking_mode)
    out: dict = {"month": month, "categories": {}, "threshold": []}
    rows = session.execute(select(AwardScore.category, AwardScore.person, AwardScore.score, AwardScore.facts)
                           .where(AwardScore.month == month)).all()
    everyone = {p for _, p, _, _ in rows if p in public}
    known = names(session, sorted(everyone))
    for category in CATEGORIES:
        ranked = ranking([(p, s, f) for c, p, s, f in rows if c == category and p in public])[:PODIUM]
        out["categories"][category] = [{"rank": i + 1, "person": p, "name": known.get(p, p), "score": s,
                                        "facts": f} for i, (p, s, f) in enumerate(ranked)]
    helped = {p: f for c, p, _, f in rows if c == "contributor" and p in public
              and f.get("helped_teams", 0) >= HELPED_TEAMS_THRESHOLD}
    out["threshold"] = [{"person": p, "name": known.get(p, p), "helped_teams": f["helped_teams"]}
                        for p, f in sorted(helped.items(), key=lambda item: known.get(item[0], item[0]))]
    return out


def month_has_ended(month: str, now: datetime, zone: str) -> bool:
    year, number = map(int, month.split("-"))
    start_next = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=ZoneInfo(zone))
    return now >= start_next


def period(month: str, now: datetime, zone: str) -> str:
    """"future", "running" (events still count towards it) or "ended" (over, ready to be finalised)."""
    if month_has_ended(month, now, zone):
        return "ended"
    year, number = map(int, month.split("-"))
    return "running" if now >= datetime(year, number, 1, tzinfo=ZoneInfo(zone)) else "future"


def finalise(session: Session, month: str, by: str, now: datetime, zone: str, lag: int,
             ranking_mode: str = "opt-out") -> AwardSnapshot:
    if session.get(AwardSnapshot, month) is not None:
        raise EngagementError(f"{month} is finalised already; it cannot change.", 409, "Already final")
    if not month_has_ended(month, now, zone):
        raise EngagementError(f"{month} has not ended yet in {zone}.", 409, "Month not over")
    if lag:
        raise EngagementError(f"{lag} events are still being counted; try again shortly.", 409,
                              "Still counting", headers={"Retry-After": "5"})
    cutoff = {f"{t}:{p}": pos for t, p, pos in session.execute(select(
        ConsumerPosition.topic, ConsumerPosition.partition, ConsumerPosition.position).where(
        ConsumerPosition.consumer == "awards"))}
    snapshot = AwardSnapshot(month=month, finalised_at=utcnow(), finalised_by=by, cutoff=cutoff,
                             result=result(session, month, ranking_mode))
    session.add(snapshot)
    session.commit()
    return snapshot


def months_with_scores(session: Session) -> list[str]:
    return list(session.scalars(select(func.distinct(AwardScore.month)).order_by(AwardScore.month.desc())))
