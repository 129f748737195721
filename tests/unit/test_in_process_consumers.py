"""ENGAGEMENT_CONSUMERS=in-process: a web process applies what it takes, from its first request."""
from __future__ import annotations

import pytest

from engagement.config import RefusedSetting
from engagement.state import state
from engagement.workers import background
from tests.conftest import bearer, like, migrated_app, sqlite_config
from tests.e2e.conftest import wait_for


@pytest.fixture
def web(sqlite_template, tmp_path):
    app = migrated_app(sqlite_template, tmp_path / "web", ENGAGEMENT_CONSUMERS="in-process")
    yield app
    background(app).stop()
    state(app).bus.close()


def test_the_first_request_starts_the_read_models_once(web, make_key_for):
    key = make_key_for(web)
    assert not background(web).started  # made, not started: a CLI command would stop here
    client = web.test_client()
    assert client.post("/v1/events", json=like(target="n1"), headers=bearer(key)).status_code == 202
    threads = background(web).workers["consumers"]
    assert wait_for(lambda: client.get("/v1/targets?t=article:n1", headers=bearer(key)).json["targets"][0]["likes"]
                    == 1, timeout=60)
    assert background(web).workers["consumers"] is threads  # later requests start nothing more
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"]["consumers"] == "ok"


def test_cli_commands_start_no_read_models(web):
    result = web.test_cli_runner().invoke(args=["engagement", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert not background(web).started


def test_readiness_says_when_the_read_models_stopped(web, make_key_for, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise ConnectionError("the bus is away")
    monkeypatch.setattr(state(web).bus, "source", unreachable)  # every consumer thread ends at once
    client = web.test_client()
    assert wait_for(lambda: client.get("/readyz").status_code == 503, timeout=60)
    assert client.get("/readyz").json["checks"]["consumers"] == "failing: not running in this process: consumers"


def test_an_unknown_mode_stops_the_start(tmp_path):
    from engagement import create_app
    with pytest.raises(RefusedSetting, match="ENGAGEMENT_CONSUMERS is 'inprocess'"):
        create_app(sqlite_config(tmp_path, ENGAGEMENT_CONSUMERS="inprocess"))


@pytest.fixture
def make_key_for():
    from engagement.auth import create_api_key

    def make(app) -> str:
        with app.app_context():
            session = state(app).db.session
            key = create_api_key(session, "test", ["events:write"])
            session.commit()
        return key
    return make
