"""A host intranet with its own ``schemas`` and ``consumers`` packages mounts Tillit: both work.

Tillit's read models and schemas install as ``engagement.consumers`` and ``engagement.schemas``,
so an app that already has packages by those common names keeps them, and Tillit keeps its own.
The host runs in a process of its own, started in the host's folder (where its packages are found
first), as it would be deployed.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import TEST_SECRET, like

pytestmark = pytest.mark.slow

HOST = """
    import json, sys
    from flask import Flask

    import consumers, schemas
    from engagement import Engagement
    from engagement import migrate
    from engagement.auth import create_api_key
    from engagement.state import state

    app = Flask("intranet")
    app.config.update(ENGAGEMENT_TOKEN_SECRET=sys.argv[1], ENGAGEMENT_EVENT_LOG=sys.argv[2] + "/events.sqlite3",
                      SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[2] + "/intranet.sqlite3")
    Engagement().init_app(app, url_prefix="/engagement")
    with app.app_context():
        migrate.upgrade(state(app).engine)
        key = create_api_key(state(app).db.session, "intranet", ["events:write"])
        state(app).db.session.commit()
    client = app.test_client()
    event = json.loads(sys.argv[3])
    sent = client.post("/engagement/v1/events", json=event, headers={"Authorization": "Bearer " + key})
    bad = client.post("/engagement/v1/events", json={**event, "type": "no.such"},
                      headers={"Authorization": "Bearer " + key})
    document = client.get("/engagement/v1/openapi.json").get_json()
    print(json.dumps({"host_schemas": schemas.HOST, "host_consumers": consumers.HOST,
                      "sent": sent.status_code, "bad": bad.status_code, "bad_type": bad.content_type,
                      "bad_fields": [e["field"] for e in bad.get_json()["errors"]],
                      "paths": sorted(document["paths"])}))
"""


def test_a_host_with_its_own_schemas_and_consumers_packages_keeps_them(tmp_path):
    for name in ("schemas", "consumers"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f'HOST = "the intranet\'s own {name}"\n')
    (tmp_path / "host.py").write_text(textwrap.dedent(HOST))
    done = subprocess.run([sys.executable, "host.py", TEST_SECRET, str(tmp_path), json.dumps(like())], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["host_schemas"] == "the intranet's own schemas"
    assert answer["host_consumers"] == "the intranet's own consumers"
    assert answer["sent"] == 202
    assert (answer["bad"], answer["bad_type"]) == (422, "application/problem+json")
    assert "type" in answer["bad_fields"]
    assert "/engagement/v1/events" in answer["paths"]
