"""The report's JSON skips the schema's dump (engagement/trust/api.py, ``as_json``): it is only
exact if the body already is what the schema would make of it, key for key and type for type
(a Float field turns 0 into 0.0). Held here over teams shown, folded, empty, with flags and
unit sums, in every language and period kind.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from engagement.directory import service as directory
from engagement.schemas.directory import DirectorySyncSchema
from engagement.schemas.trust import TrustReportSchema
from engagement.state import state
from engagement.trust import service as trust
from engagement.trust.model import TrustActivity, TrustIdea
from tests.unit.test_trust_folding_cache import TODAY, ZONE, payload


def folded() -> dict:
    """Team B (3 people) folds into its unit U (2 of its own): U is shown with B inside; A is shown."""
    body = payload(3)
    body["people"] += DirectorySyncSchema().load({"mode": "full", "teams": body["teams"], "people": [
        {"id": f"u{i}", "name": f"U {i}", "team": "u", "role": "leader"} for i in range(2)]})["people"]
    return body


def activity(session) -> None:
    """A few people sharing in October (one far more than the others), an unanswered idea."""
    rows = [("a0", "a", 9, 20), ("a1", "a", 1, 0), ("b0", "b", 0, 12), ("b1", "b", 2, 1)]
    session.add_all(TrustActivity(day=date(2026, 10, 5), team_id=team, person=person, contributions=c,
                                  likes_given=i, interactions=i, cross_team=0, recognised=min(c, 1), answers=0)
                    for person, team, c, i in rows)
    session.add(TrustIdea(idea_id="i1", team_id="a", submitted_on=date(2026, 10, 1), answered=False))
    session.flush()


@pytest.mark.parametrize("lang", ["en", "nb"])
@pytest.mark.parametrize("label", ["2026-10", "30d", "90d"])
def test_the_body_is_what_the_schema_dumps(app, label, lang):
    with app.app_context():
        session = state(app).db.session
        directory.sync(session, folded(), datetime(2026, 1, 1, tzinfo=UTC))
        activity(session)
        body = trust.report(session, trust.parse_period(label, TODAY), TODAY, ZONE, 5, trust.THRESHOLDS, lang)
        rows = {row["id"]: row for row in body["teams"]}
        assert rows["b"]["suppressed"] and rows["u"]["includes"] and "unit_signals" in rows["org"]
        if label == "2026-10":
            assert rows["u"]["flags"]
        dumped = TrustReportSchema().dump(body)
        assert json.dumps(dumped, sort_keys=True) == json.dumps(body, sort_keys=True)


def test_the_endpoint_answers_the_schema_dump(app, client, make_key):
    key = make_key("trust:read")
    with app.app_context():
        session = state(app).db.session
        directory.sync(session, folded(), datetime(2026, 1, 1, tzinfo=UTC))
        activity(session)
        session.commit()
    response = client.get("/v1/trust/report?period=2026-10", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.is_json
    assert json.dumps(TrustReportSchema().dump(response.json), sort_keys=True) == json.dumps(response.json,
                                                                                             sort_keys=True)
