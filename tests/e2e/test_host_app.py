"""Tillit mounted in an existing intranet app: its own db, pages, errors and routes stay its own."""
from __future__ import annotations

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import func, select
from sqlalchemy.orm import Mapped, mapped_column

from engagement import Engagement
from engagement import migrate as schema
from engagement.auth import create_api_key
from engagement.ledger.model import LedgerEvent
from engagement.state import state
from engagement.workers import background
from tests.conftest import TEST_SECRET, bearer, like
from tests.e2e.conftest import wait_for


@pytest.fixture
def host(tmp_path):
    app = Flask("intranet")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'intranet.sqlite3'}"
    app.config["ENGAGEMENT_EVENT_LOG"] = str(tmp_path / "events.sqlite3")
    app.config["ENGAGEMENT_TOKEN_SECRET"] = TEST_SECRET
    db = SQLAlchemy()

    class Page(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str]

    db.init_app(app)

    @app.route("/")
    def front():
        return "<h1>Intranet</h1>"

    @app.errorhandler(404)
    def not_found(_error):
        return "<h1>Fant ikke siden</h1>", 404

    @app.errorhandler(400)
    def bad_request(_error):
        return "<h1>Ugyldig forespørsel</h1>", 400

    Engagement().init_app(app, url_prefix="/engagement")
    with app.app_context():
        db.create_all()
        schema.upgrade(state(app).engine)
        db.session.add(Page(title="Kantine"))
        db.session.commit()
        key = create_api_key(db.session, "intranet", ["events:write"])
        db.session.commit()
    return app, db, Page, key


def test_api_works_under_the_prefix_with_the_hosts_database(host):
    app, db, page_model, key = host
    assert state(app).db is db
    client = app.test_client()
    try:  # the first request starts the read models in this process (ENGAGEMENT_CONSUMERS=in-process)
        response = client.post("/engagement/v1/events", json=like("hosted"), headers=bearer(key))
        assert response.status_code == 202

        def in_ledger() -> bool:
            with app.app_context():
                return db.session.scalar(select(func.count()).select_from(LedgerEvent)) == 1
        assert wait_for(in_ledger, timeout=30)

        def counted() -> bool:  # the consumer threads in the host's process feed what it serves
            answer = client.get("/engagement/v1/targets?t=article:news-1", headers=bearer(key)).json
            return answer["targets"][0]["likes"] == 1
        assert wait_for(counted, timeout=30)
        assert client.get("/engagement/readyz").json["checks"]["consumers"] == "ok"
    finally:
        background(app).stop()
    with app.app_context():
        assert db.session.scalar(select(page_model.title)) == "Kantine"


def test_host_pages_and_errors_are_untouched(host):
    app, _db, _page, key = host
    client = app.test_client()
    assert client.get("/").get_data(as_text=True) == "<h1>Intranet</h1>"
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Fant ikke siden" in missing.get_data(as_text=True)
    assert client.get("/v1/events").status_code == 404  # nothing outside the prefix
    ours = client.post("/engagement/v1/events", data="{bad", content_type="application/json",
                       headers=bearer(key))
    assert ours.status_code == 400 and ours.mimetype == "application/problem+json"
    assert client.get("/engagement/healthz").json == {"status": "ok"}
    assert "engagement" in app.cli.commands
