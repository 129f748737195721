"""/readyz tells a load balancer the truth about the database: a new install before `db upgrade`
answers every request with 503 'no such table', so it is not ready either."""
from __future__ import annotations

from engagement import create_app, migrate
from engagement.state import state
from tests.conftest import TEST_SECRET


def test_a_database_without_tillits_tables_is_not_ready_until_upgraded(tmp_path):
    app = create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                      "ENGAGEMENT_CONSUMERS": "external",
                      "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"),
                      "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    client = app.test_client()
    fresh = client.get("/readyz")
    assert fresh.status_code == 503
    assert "engagement db upgrade" in fresh.json["checks"]["database"], fresh.json
    migrate.upgrade(state(app).engine)
    upgraded = client.get("/readyz").json["checks"]
    assert upgraded["database"] == "ok", upgraded
