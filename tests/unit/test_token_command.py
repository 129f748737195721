"""`engagement token` mints only what the instance takes: with HS256 tokens switched off it
refuses, instead of printing a token every request would then turn away."""
from __future__ import annotations

import json

from engagement import create_app
from engagement.cli import engagement_commands
from tests.conftest import TEST_SECRET

ISSUER = {"issuer": "https://idp.example.org", "audience": "tillit-api"}


def app_with(tmp_path, **settings):
    return create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                       "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"),
                       "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **settings})


def test_the_token_command_refuses_when_hs256_tokens_are_off(tmp_path):
    app = app_with(tmp_path, ENGAGEMENT_OIDC_ISSUERS=json.dumps([ISSUER]), ENGAGEMENT_HS256_TOKENS=False)
    done = app.test_cli_runner().invoke(engagement_commands, ["token", "kari", "--role", "communications"])
    assert done.exit_code != 0 and "ENGAGEMENT_HS256_TOKENS=off" in done.output, done.output


def test_the_token_command_mints_a_token_the_instance_takes(tmp_path):
    app = app_with(tmp_path)
    done = app.test_cli_runner().invoke(engagement_commands, ["token", "kari"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        from engagement.state import state
        assert state(app).sign_in.principal(done.output.strip()).name == "kari"
