"""The secret user tokens are signed with, and the tokens themselves: what start-up and a request refuse."""
from __future__ import annotations

import ast
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from engagement import create_app
from engagement.auth import TOKEN_AUDIENCE
from engagement.token_secret import InsecureTokenSecret, check, resolve
from tests.conftest import TEST_SECRET, bearer

ROOT = Path(__file__).resolve().parents[2]
GOOD = TEST_SECRET
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
    now = datetime.now(UTC)
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


GUESSABLE = ["a" * 32, "0" * 32, "secret" * 6, "password" * 4, "tillit-" * 5, "test-secret-" + "x" * 32,
             "1234567890" * 4, "abcdefghijklmnopqrst" * 2, "integration-secret-" + "y" * 32,
             "passwordsecretadmintillitengagementdefault", "a-real-deployment-secret-" + "Qz7" * 12]


@pytest.mark.parametrize("secret", GUESSABLE)
def test_start_up_refuses_token_secrets_that_are_long_but_guessable(tmp_path, secret):
    """Length is not strength: one character 32 times, a word typed over and over, or a short test
    secret padded with x's would sign tokens for anyone with any role."""
    with pytest.raises(InsecureTokenSecret) as refused:
        app_with(tmp_path, secret)
    message = str(refused.value)
    assert "ENGAGEMENT_TOKEN_SECRET" in message and "secrets.token_urlsafe(48)" in message


def test_random_secrets_of_every_usual_shape_start():
    """What the error message, openssl and a hex generator make must all pass."""
    import base64
    import secrets
    for _ in range(200):
        for made in (secrets.token_urlsafe(48), secrets.token_urlsafe(32), secrets.token_hex(32),
                     base64.b64encode(secrets.token_bytes(48)).decode()):
            assert check(made) == made


def _constant(node: ast.AST) -> str | None:
    """The text a constant expression ("x" + "y" * 3) makes; None for anything computed at run time."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant(node.left), _constant(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        text = _constant(node.left)
        times = node.right.value if isinstance(node.right, ast.Constant) else None
        return text * times if text is not None and isinstance(times, int) else None
    return None


def secrets_in(source: str) -> list[tuple[str, int]]:
    """Every constant ``source`` gives ENGAGEMENT_TOKEN_SECRET (a dict entry, a config item, an
    environment variable) or a name with SECRET in it, with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        values = []
        if isinstance(node, ast.Dict):
            values = [v for k, v in zip(node.keys, node.values, strict=True)
                      if k is not None and _constant(k) == SETTING_NAME]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            keys = [_constant(t.slice) for t in node.targets if isinstance(t, ast.Subscript)]
            if any("SECRET" in n for n in names) or SETTING_NAME in keys:
                values = [node.value]
        elif isinstance(node, ast.Call) and len(node.args) == 2 and _constant(node.args[0]) == SETTING_NAME:
            values = [node.args[1]]
        found += [(text, value.lineno) for value in values if (text := _constant(value)) is not None]
    return found


SETTING_NAME = "ENGAGEMENT_TOKEN_SECRET"
PLANTED = """
create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": "test-secret-" + "x" * 32})
app.config["ENGAGEMENT_TOKEN_SECRET"] = "host-secret-" + "z" * 32
monkeypatch.setenv("ENGAGEMENT_TOKEN_SECRET", "clean-" + "c" * 40)
REAL_SECRET = "a-real-deployment-secret-" + "Qz7" * 12
MADE = {"ENGAGEMENT_TOKEN_SECRET": secrets.token_urlsafe(48)}
"""


def test_the_scan_for_written_secrets_finds_each_way_of_writing_one():
    assert sorted(text for text, _ in secrets_in(PLANTED)) == sorted([
        "test-secret-" + "x" * 32, "host-secret-" + "z" * 32, "clean-" + "c" * 40,
        "a-real-deployment-secret-" + "Qz7" * 12])


def test_no_secret_written_anywhere_in_the_repository_starts_a_service():
    """Tests, benchmarks and examples use a secret made for the run: any secret written down here
    could be copied into a deployment, so start-up must refuse every one of them."""
    written = {secret: "README, compose or docs" for secret in published_secrets()}
    tops = ("tests", "bench", "engagement", "consumers", "schemas")
    for path in (p for top in tops for p in (ROOT / top).rglob("*.py")):
        written.update({text: f"{path.relative_to(ROOT)}:{line}" for text, line in secrets_in(path.read_text())})
    started = []
    for secret, where in written.items():
        try:
            check(secret)
        except InsecureTokenSecret:
            continue
        started.append(where)
    assert started == [], f"secrets written in the repository that start a service: {started}"


@pytest.mark.parametrize("claims", [{"iat": "1700000000"}, {"exp": "4102444800"}, {"iat": [1]}, {"exp": True}],
                         ids=["iat as text", "exp as text", "iat as a list", "exp as true"])
def test_a_user_token_with_a_string_iat_is_a_401_not_a_500(client, claims):
    """A validly signed token whose times are not numbers is a bad token, not a crash."""
    answer = client.get("/v1/people/kari/recognition", headers=bearer(token(**claims)))
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json", \
        (answer.status_code, answer.json)
