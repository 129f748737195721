"""Reading recognition: counts per target and a person's summary, Redis first, SQL behind.

The recognition consumer writes absolute values to Redis; a reader that misses (a
flushed or new Redis) computes from SQL and fills the entry only if it is still
absent, with a short expiry, so a reader can never overwrite a newer value for long.
If Redis is down, reads come from SQL: a cache outage slows reads, never fails them. Without a
Redis (none configured) there is no cache: every read comes from SQL, which every process shares.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from engagement.bulk import where_keys
from engagement.db import utcnow
from engagement.directory.groups import lifetime_org
from engagement.directory.model import Person, TeamRecognition
from engagement.recognition.model import KudosFirst, LikeState, PersonRecognition, RecognitionPair, TargetStats

logger = logging.getLogger(__name__)
KINDS = ("like", "comment", "kudos")
BACKFILL_SECONDS = 300
TargetKey = tuple[str, str]


class RecognitionCache:
    def __init__(self, redis_factory, prefix: str):
        self._redis_factory = redis_factory
        self.prefix = prefix

    @property
    def redis(self) -> Any:
        return self._redis_factory()

    def target_key(self, key: TargetKey) -> str:
        return f"{self.prefix}t:{key[0]}:{key[1]}"

    def person_key(self, person: str) -> str:
        return f"{self.prefix}p:{person}"

    def store(self, session: Session, targets: Iterable[TargetKey], people: Iterable[str]) -> None:
        """Called by the consumer inside its transaction: absolute values, so retries rewrite them."""
        if self.redis is None:
            return
        pipe = self.redis.pipeline(transaction=False)
        for key, counts in targets_from_sql(session, list(targets)).items():
            pipe.set(self.target_key(key), json.dumps(counts))
        for person, summary in people_from_sql(session, list(people)).items():
            pipe.set(self.person_key(person), json.dumps(summary))
        pipe.execute()

    def clear(self) -> None:
        """Its own keys only: the award top lists share the prefix."""
        if self.redis is None:
            return
        for pattern in (f"{self.prefix}t:*", f"{self.prefix}p:*"):
            for key in self.redis.scan_iter(match=pattern, count=1000):
                self.redis.delete(key)

    def read(self, keys: list[str]) -> list[dict | None]:
        if self.redis is None:
            return [None] * len(keys)
        try:
            return [json.loads(v) if v is not None else None for v in self.redis.mget(keys)]
        except Exception as exc:  # noqa: BLE001 - degrade to SQL when the cache is down
            logger.warning("recognition cache unavailable: %r", exc)
            return [None] * len(keys)

    def backfill(self, entries: dict[str, dict]) -> None:
        if self.redis is None:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            for key, value in entries.items():
                pipe.set(key, json.dumps(value), nx=True, ex=BACKFILL_SECONDS)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            logger.warning("recognition cache not filled: %r", exc)


def empty_counts(owner: str | None = None) -> dict:
    return {"likes": 0, "comments": 0, "kudos": 0, "owner": owner}


def targets_from_sql(session: Session, keys: list[TargetKey]) -> dict[TargetKey, dict]:
    if not keys:
        return {}
    rows = session.scalars(where_keys(session, select(TargetStats),
                                      (TargetStats.target_kind, TargetStats.target_id), set(keys)))
    found = {(r.target_kind, r.target_id): {"likes": r.likes, "comments": r.comments, "kudos": r.kudos,
                                            "owner": r.owner} for r in rows}
    return {key: found.get(key, empty_counts()) for key in keys}


def people_from_sql(session: Session, people: list[str]) -> dict[str, dict]:
    """Summaries for many people in two queries (the consumer refreshes a batch's worth at once)."""
    if not people:
        return {}
    keys = {(p,) for p in people}
    rows = {(r.person, r.kind): r for r in session.scalars(
        where_keys(session, select(PersonRecognition), (PersonRecognition.person,), keys))}
    colleagues = dict(session.execute(where_keys(
        session, select(RecognitionPair.person, func.count()).where(RecognitionPair.active > 0),
        (RecognitionPair.person,), keys).group_by(RecognitionPair.person)).all())
    return {p: {"received": {k: rows[(p, k)].received if (p, k) in rows else 0 for k in KINDS},
                "given": {k: rows[(p, k)].given if (p, k) in rows else 0 for k in KINDS},
                "colleagues": colleagues.get(p, 0)} for p in people}


def person_from_sql(session: Session, person: str) -> dict:
    return people_from_sql(session, [person])[person]


def target_counts(session: Session, cache: RecognitionCache, keys: list[TargetKey],
                  viewer: str | None) -> list[dict]:
    """Counts for each target, and whether ``viewer`` likes it and has given a Bra! that counts for
    it (None when no person is asking)."""
    cached = cache.read([cache.target_key(k) for k in keys])
    missing = [k for k, value in zip(keys, cached, strict=True) if value is None]
    from_sql = targets_from_sql(session, missing)
    cache.backfill({cache.target_key(k): v for k, v in from_sql.items()})
    liked = liked_by(session, viewer, keys) if viewer else set()
    praised = kudos_by(session, viewer) if viewer else set()
    out = []
    for key, value in zip(keys, cached, strict=True):
        counts = value if value is not None else from_sql[key]
        out.append({"kind": key[0], "id": key[1], "likes": counts["likes"], "comments": counts["comments"],
                    "kudos": counts["kudos"], "liked_by_me": (key in liked) if viewer else None,
                    "kudos_by_me": (f"{key[0]}:{key[1]}" in praised) if viewer else None})
    return out


def liked_by(session: Session, person: str, keys: list[TargetKey]) -> set[TargetKey]:
    """One indexed query for a whole page: which of these targets ``person`` likes now."""
    rows = session.execute(select(LikeState.target_kind, LikeState.target_id).where(
        LikeState.person == person, LikeState.liked.is_(True),
        tuple_(LikeState.target_kind, LikeState.target_id).in_(keys)))
    return {(kind, target) for kind, target in rows}


def kudos_by(session: Session, person: str) -> set[str]:
    """What ``person``'s Bra!s that count this month are for: each recipient (``person:<id>``) and
    what each is about. A Bra! counts once per giver, recipient and month (engagement/recognition/kudos.py),
    so a widget that knows this need not send one the service would not count (and whose message no
    one would read). One indexed query: a giver has at most one counted Bra! per colleague a month."""
    month = f"{utcnow():%Y-%m}"
    rows = session.execute(select(KudosFirst.subject, KudosFirst.about).where(
        KudosFirst.model == "recognition", KudosFirst.giver == person, KudosFirst.subject.like(f"%@{month}")))
    return {ref for subject, about in rows for ref in (subject.rpartition("@")[0], about) if ref}


def person_summary(session: Session, cache: RecognitionCache, person: str) -> dict:
    key = cache.person_key(person)
    value = cache.read([key])[0]
    if value is None:
        value = person_from_sql(session, person)
        cache.backfill({key: value})
    return {"person": person, **value}


def team_summary(session: Session, team_id: str, min_size: int) -> dict:
    """Recognition received and given by a team's members over all time, counted by the team they
    were in. The counters never forget a stretch when a team was small, so a team is shown on its
    own only if it never had fewer than ``min_size`` members at once; otherwise it is counted in
    the unit it folds into, and its own answer has no numbers."""
    org = lifetime_org(session, min_size)
    group = org.groups.get(team_id)
    if group != team_id:
        reason = (f"Fewer than {min_size} people at some time: counted only as part of a larger unit." if group else
                  "A small team was moved into or out of its unit at some time (or the whole unit is too small): "
                  "its totals over all time are not shown.")
        return {"team": team_id, "suppressed": True, "folded_into": group, "reason": reason}
    teams = org.members_of(team_id)
    sums = {side: dict.fromkeys(KINDS, 0) for side in ("received", "given")}
    for row in session.scalars(select(TeamRecognition).where(TeamRecognition.team_id.in_(teams))):
        if row.kind in KINDS:
            sums["received"][row.kind] += row.received
            sums["given"][row.kind] += row.given
    members = session.scalar(select(func.count()).select_from(Person).where(
        Person.team_id.in_(teams), Person.active.is_(True)))
    folded = sorted(teams - {team_id})
    return {"team": team_id, "suppressed": False, "members": members,
            "includes": [{"id": t, "name": org.names[t]} for t in folded], **sums}
