"""The OpenAPI document is made from the routes the app serves: no route is missing from it,
and no path in it is written by hand (it follows the URL prefix a host mounts Tillit under)."""
from __future__ import annotations

import re

from flask import Flask
from flask_smorest import Api, Blueprint

from engagement import Engagement
from tests.conftest import TEST_SECRET, bearer

IGNORED = {"HEAD", "OPTIONS"}


def served(app, prefix: str = "") -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every route of Tillit's API blueprint (SCIM describes itself at
    /scim/v2/Schemas, RFC 7644 §4, and is not in the OpenAPI document)."""
    return {(method.lower(), re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule))
            for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("engagement.") and not rule.endpoint.startswith("engagement.scim.")
            for method in rule.methods - IGNORED if rule.rule.startswith(prefix)}


def documented(spec: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, operations in spec["paths"].items()
            for method in operations if method != "parameters"}


def test_every_route_of_the_api_is_documented_and_nothing_else(app, client):
    routes = served(app)
    assert len(routes) >= 35, routes
    assert documented(client.get("/v1/openapi.json").json) == routes


def test_every_bad_field_and_every_refusal_is_documented_as_a_problem(client):
    spec = client.get("/v1/openapi.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, answer in operation["responses"].items():
                if "$ref" in answer:
                    answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
                if status in ("401", "403", "422"):
                    assert "application/problem+json" in answer["content"], (method, path, status)
            if operation.get("security"):
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in operation["responses"], (method, path)


def test_under_a_host_that_uses_flask_smorest_too_each_keeps_its_own_document(tmp_path):
    host = Flask("intranet")
    host.config.update(API_TITLE="Intranet", API_VERSION="2", OPENAPI_VERSION="3.0.3",
                       OPENAPI_URL_PREFIX="/docs", ENGAGEMENT_TOKEN_SECRET=TEST_SECRET,
                       ENGAGEMENT_EVENT_LOG=str(tmp_path / "events.sqlite3"),
                       ENGAGEMENT_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    pages = Blueprint("pages", __name__)

    @pages.route("/pages")
    @pages.response(200)
    def list_pages():
        return {"pages": []}
    api = Api(host)
    api.register_blueprint(pages)
    Engagement().init_app(host, url_prefix="/engagement")
    client = host.test_client()

    ours = client.get("/engagement/v1/openapi.json").json
    assert documented(ours) == served(host, "/engagement")
    assert all(path.startswith("/engagement/") for path in ours["paths"])
    assert ours["info"]["title"] == "Tillit engagement API"
    theirs = client.get("/docs/openapi.json").json
    assert set(theirs["paths"]) == {"/pages"} and theirs["info"] == {"title": "Intranet", "version": "2"}
    assert host.config["API_TITLE"] == "Intranet"
    assert host.config["ENGAGEMENT_URL_PREFIX"] == "/engagement"  # what digest links and `serve` print use
    assert client.get("/pages").json == {"pages": []}
    bad = client.post("/engagement/v1/events", json={"id": "x"}, headers=bearer("not-a-token"))
    assert bad.status_code == 401 and bad.mimetype == "application/problem+json"
