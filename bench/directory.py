"""Directory benchmark on PostgreSQL: a full sync of 50,000 people in 3,000 teams, a second sync
with 5 % of people moved, and the profile-completion summary over all of them.

Run: python bench/directory.py  (needs PostgreSQL)
"""
from __future__ import annotations

import random
import resource
import time
from datetime import UTC, datetime

from harness import report  # noqa: I001
from sqlalchemy import insert

from engagement import create_app
from engagement import migrate as schema
from engagement.directory import service as directory
from engagement.profiles.model import ProfileCompletion, ProfileField
from engagement.profiles.service import unit_summary
from engagement.schemas.directory import DirectorySyncSchema
from engagement.state import state
from tests.services import postgres_database

PEOPLE, UNITS, TEAMS_PER_UNIT = 50_000, 30, 99


def organisation(moved: float = 0.0, seed: int = 1) -> dict:
    rng = random.Random(seed)
    teams = [{"id": "org", "name": "Organisation", "parent": None}]
    teams += [{"id": f"u{u}", "name": f"Unit {u}", "parent": "org"} for u in range(UNITS)]
    teams += [{"id": f"u{u}t{t}", "name": f"Team {u}.{t}", "parent": f"u{u}"}
              for u in range(UNITS) for t in range(TEAMS_PER_UNIT)]
    leaf = [t["id"] for t in teams if "t" in t["id"][1:]]
    people = [{"id": f"p{i}", "name": f"Person {i}", "email": f"p{i}@example.no",
               "team": rng.choice(leaf) if rng.random() < moved else leaf[i % len(leaf)], "role": "member",
               "locale": "nb", "leaderboard_opt_out": False} for i in range(PEOPLE)]
    return DirectorySyncSchema().load({"mode": "full", "teams": teams, "people": people})


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, round(time.perf_counter() - started, 2)


def main() -> None:
    with postgres_database() as url:
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": "/tmp/bench-directory.sqlite3"})
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            session = st.db.session
            now = datetime.now(UTC)
            first, first_s = timed(lambda: directory.sync(session, organisation(), now))
            second, second_s = timed(lambda: directory.sync(session, organisation(moved=0.05), now))
            rng = random.Random(2)
            fields = [s.field for s in st.checklist]
            rows = [(f"p{i}", rng.sample(fields, rng.randint(0, len(fields)))) for i in range(PEOPLE)]
            session.execute(insert(ProfileField), [{"person": p, "field": f, "present": True, "updated_at": now}
                                                   for p, fs in rows for f in fs])
            session.execute(insert(ProfileCompletion), [
                {"person": p, "percent": sum(s.weight for s in st.checklist if s.field in fs)} for p, fs in rows])
            session.commit()
            whole, whole_s = timed(lambda: unit_summary(session, st.checklist, "org", True, 5, "nb"))
            one, one_s = timed(lambda: unit_summary(session, st.checklist, "u3t7", False, 5, "nb"))
        st.engine.dispose()
    report("directory", {
        "people": PEOPLE, "teams": 1 + UNITS * (TEAMS_PER_UNIT + 1), "first_full_sync_s": first_s,
        "first_sync": first["people"], "second_full_sync_5pct_moved_s": second_s, "second_sync": second["people"],
        "completion_summary_whole_org_s": whole_s, "whole_org_median": whole["median_percent"],
        "completion_summary_one_team_s": one_s,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})


if __name__ == "__main__":
    main()
