"""The secret user tokens are signed with, and the tokens themselves: what start-up and a request refuse."""
from __future__ import annotations

import os
import re
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest

from engagement import create_app
from engagement.auth import TOKEN_AUDIENCE
from engagement.token_secret import InsecureTokenSecret, resolve
from tests.conftest import bearer

ROOT = Path(__file__).resolve().parents[2]
GOOD = "test-secret-" + "x" * 32
WEAK = ["change-me-to-a-long-random-secret", "CHANGE_ME_TO_A_LONG_RANDOM_SECRET", "secret", "changeme",
        "Change Me", "password", "", "   ", "s3cr3t-but-only-29-characters",
        "please-changeme-before-deploying-this-thing", "your-secret-key-goes-here-and-is-long"]


def app_with(tmp_path, secret):
    return create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": secret,
                       "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"),
                       "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})


@pytest.mark.parametrize("secret", WEAK)
def test_start_up_refuses_a_known_empty_or_short_secret_naming_the_setting_and_the_fix(tmp_path, secret):
    with pytest.raises(InsecureTokenSecret) as refused:
        app_with(tmp_path, secret)
    message = str(refused.value)
    assert "ENGAGEMENT_TOKEN_SECRET" in message and "at least 32 characters" in message
    assert "secrets.token_urlsafe" in message


def published_secrets() -> set[str]:
    """Every value the repository's docs, compose file and examples give the secret."""
    found = set()
    files = [ROOT / "README.md", ROOT / "docker-compose.yml", ROOT / "Dockerfile",
             *ROOT.glob("docs/**/*"), *ROOT.glob("examples/**/*")]
    for path in (p for p in files if p.is_file()):
        for match in re.finditer(r"ENGAGEMENT_TOKEN_SECRET\s*[=:]\s*[\"']?([^\s\"'`|\\]+)", path.read_text()):
            value = match.group(1)
            if not value.startswith("${"):  # compose's own reference to the variable
                found.add(value.rstrip(","))
    return found | {"change-me-to-a-long-random-secret"}  # the compose file's old fallback


def test_every_secret_the_repository_publishes_is_refused(tmp_path):
    for secret in sorted(published_secrets()):
        with pytest.raises(InsecureTokenSecret):
            app_with(tmp_path, secret)


def test_an_empty_variable_is_refused_not_mistaken_for_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGEMENT_TOKEN_SECRET", "")
    with pytest.raises(InsecureTokenSecret, match="set but empty"):
        app_with(tmp_path, None)


def test_a_long_random_secret_starts(tmp_path):
    assert app_with(tmp_path, GOOD).extensions["engagement"].token_secret == GOOD


def test_the_generated_secret_is_never_readable_by_others_even_if_start_up_dies_midway(tmp_path, monkeypatch):
    """A process killed between creating the file and narrowing its mode must not leave a readable secret."""
    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt("killed before the mode was set")
    monkeypatch.setattr(Path, "chmod", killed)
    monkeypatch.setattr(os, "chmod", killed)
    monkeypatch.setenv("ENGAGEMENT_INSTANCE_PATH", str(tmp_path / "instance"))
    old = os.umask(0o022)
    try:
        app_with(tmp_path, None)
    except KeyboardInterrupt:
        pass  # a secret written first and narrowed afterwards dies here, readable by everyone
    finally:
        os.umask(old)
    made = list((tmp_path / "instance").glob("*token-secret*"))
    assert made and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in made)
    assert resolve(None, tmp_path / "instance") == (tmp_path / "instance" / "token-secret").read_text().strip()


def test_a_secret_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "token-secret"
    path.write_text("a" * 64)
    path.chmod(0o644)
    with pytest.raises(InsecureTokenSecret, match="can be read"):
        resolve(None, tmp_path)


def token(**claims) -> str:
    now = datetime.now(timezone.utc)
    return jwt.encode({"sub": "kari", "aud": TOKEN_AUDIENCE, "iat": now, "exp": now + timedelta(minutes=5),
                       **claims}, GOOD, algorithm="HS256")


@pytest.mark.parametrize("claims,named", [
    ({"aud": [TOKEN_AUDIENCE]}, "aud"), ({"aud": [TOKEN_AUDIENCE, "payroll"]}, "aud"),
    ({"sub": ""}, "sub"), ({"sub": "  "}, "sub"), ({"roles": "leader"}, "roles"),
], ids=["aud list", "aud list of two", "empty sub", "blank sub", "roles not a list"])
def test_a_user_token_must_name_one_person_for_this_service(client, claims, named):
    assert client.get("/v1/targets?t=article:a", headers=bearer(token())).status_code == 200
    answer = client.get("/v1/targets?t=article:a", headers=bearer(token(**claims)))
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert named in answer.json["detail"]


def test_compose_requires_the_secret_has_no_fallback_and_neither_it_nor_the_image_asks_for_the_demo():
    compose = (ROOT / "docker-compose.yml").read_text()
    lines = [line for line in compose.splitlines() if re.match(r"\s*ENGAGEMENT_TOKEN_SECRET\s*:", line)]
    assert len(lines) == 1 and "${ENGAGEMENT_TOKEN_SECRET:?" in lines[0], lines
    assert ":-" not in lines[0] and "change-me" not in compose
    image = (ROOT / "Dockerfile").read_text()
    for deployed in (compose, image):
        assert "ENGAGEMENT_DEMO" not in deployed and "--demo" not in deployed


def test_compose_does_not_validate_without_the_secret():
    import shutil
    import subprocess
    if not shutil.which("docker-compose"):
        from tests.conftest import unavailable
        unavailable("docker-compose", "apt-get install docker-compose (.ci/run does)")
    env = {k: v for k, v in os.environ.items() if k != "ENGAGEMENT_TOKEN_SECRET"}
    checked = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode != 0 and "set ENGAGEMENT_TOKEN_SECRET" in checked.stderr
