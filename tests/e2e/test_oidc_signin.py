"""Signing in with OpenID Connect: tokens from a real provider process (oidc-provider-mock) and from a
small issuer whose keys the test rotates, verified by the app over HTTP against their published keys."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from engagement.auth import mint_user_token
from engagement.state import state
from tests.conftest import TEST_SECRET, bearer, drain, like, migrated_app, unavailable
from tests.e2e.oidc_issuers import SmallIssuer, mock_provider, provider_id_token
from tests.services import ENGAGEMENT, Service, free_port, wait_until_healthy

WIDGETS = "tillit-widgets"  # the intranet's client id: the audience of the ID tokens it gets
USERS = (
    {"sub": "Kari@Example.org"},
    {"sub": "siri@example.org", "groups": ["grp-comms-123", "grp-all"]},
    {"sub": "per@example.org", "roles": ["communications", "leader"]},  # a provider's own roles, unmapped
    {"sub": "lena@example.org", "roles": ["Tillit.Leader"]},
)
REPORT = "/v1/trust/report?period=2026-10"


@pytest.fixture(scope="module")
def provider():
    try:
        with mock_provider(*USERS) as issuer:
            yield issuer
    except RuntimeError as exc:
        unavailable("The OpenID Connect provider (oidc-provider-mock)", str(exc))


@pytest.fixture
def small():
    issuer = SmallIssuer()
    yield issuer
    issuer.close()


def provider_config(issuer: str) -> dict:
    return {"issuer": issuer, "audience": [WIDGETS], "lowercase": True, "strip_domain": True,
            "allowed_domains": ["example.org"],
            "roles": {"leader": ["Tillit.Leader"]}, "groups": {"communications": ["grp-comms-123"]}}


def small_config(issuer: SmallIssuer, **extra) -> dict:
    return {"issuer": issuer.url, "audience": "tillit-api", "algorithms": ["ES256" if issuer.curve else "RS256"],
            "roles": {"communications": ["Tillit.Communications"]}, **extra}


@pytest.fixture
def make_app(sqlite_template, tmp_path):
    made = []

    def make(*issuers: dict, **settings):
        application = migrated_app(sqlite_template, tmp_path / f"app{len(made)}",
                                   ENGAGEMENT_OIDC_ISSUERS=json.dumps(issuers), **settings)
        made.append(application)
        return application
    yield make
    for application in made:
        state(application).bus.close()


def problem(answer) -> str:
    assert answer.mimetype == "application/problem+json", answer.data
    return answer.json["detail"]


def test_a_provider_token_likes_and_reads_the_count(provider, make_app):
    app = make_app(provider_config(provider))
    client = app.test_client()
    kari = bearer(provider_id_token(provider, "Kari@Example.org", WIDGETS))
    event = like("oidc-like-1", target="n1")
    del event["actor"]
    answer = client.post("/v1/events", json=event, headers=kari)
    assert answer.status_code == 202, answer.json
    wire = json.loads(state(app).bus.read_after(0, 1)[0].value)
    assert wire["actor"] == "kari" and wire["submitted_by"] == "user:kari"  # the directory's id, from the email
    drain(app)
    target = client.get("/v1/targets?t=article:n1", headers=kari).json["targets"][0]
    assert target["likes"] == 1 and target["liked_by_me"] is True


def test_roles_come_from_mapped_groups_and_app_roles_never_from_the_tokens_own_roles(provider, make_app):
    client = make_app(provider_config(provider)).test_client()
    token = {name: bearer(provider_id_token(provider, f"{name}@example.org", WIDGETS))
             for name in ("siri", "per", "lena", "kari")}
    assert client.get(REPORT, headers=token["siri"]).status_code == 200  # communications by group
    for nobody in ("kari", "per"):  # per's token says "communications" and "leader" itself: unmapped
        assert client.get(REPORT, headers=token[nobody]).status_code == 403
    adoption = {**like(type_="idea.adopted", data={"note": "Yes"}), "target": {"kind": "idea", "id": "i-1",
                                                                                "owner": "ola"}}
    for name, status in (("lena", 202), ("per", 403)):
        answer = client.post("/v1/events", json={**adoption, "id": f"adopt-{name}", "actor": name},
                             headers=token[name])
        assert answer.status_code == status, (name, answer.json)


def test_a_token_for_another_client_is_refused(provider, make_app):
    client = make_app(provider_config(provider)).test_client()
    other = provider_id_token(provider, "Kari@Example.org", "the-wiki")
    answer = client.get("/v1/targets?t=article:n1", headers=bearer(other))
    assert answer.status_code == 401 and WIDGETS in problem(answer)


def test_a_token_from_an_issuer_not_configured_is_refused(provider, small, make_app):
    client = make_app(small_config(small)).test_client()
    answer = client.get("/v1/targets?t=article:n1", headers=bearer(provider_id_token(provider, "kari", WIDGETS)))
    assert answer.status_code == 401
    assert provider in problem(answer) and "not one this instance trusts" in problem(answer)


def _hs256(header: dict, claims: dict, secret: bytes) -> str:
    part = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in (header, claims)]
    signature = hmac.new(secret, b".".join(part), hashlib.sha256).digest()
    return b".".join([*part, base64.urlsafe_b64encode(signature).rstrip(b"=")]).decode()


def test_alg_confusion_and_alg_none_are_refused(provider, make_app):
    """An HS256 token "signed" with the issuer's public key (anyone can fetch it) and an unsigned
    one, both claiming the provider as issuer, must fail; a real token of the same person passes."""
    client = make_app(provider_config(provider)).test_client()
    public = jwt.PyJWKClient(f"{provider}/jwks").get_jwk_set().keys[0].key
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    claims = {"iss": provider, "sub": "siri@example.org", "aud": WIDGETS, "iat": now, "exp": now + 600,
              "groups": ["grp-comms-123"]}
    forged = {"hs256 with the public key": _hs256({"alg": "HS256", "typ": "JWT"}, claims, pem),
              "none": jwt.encode(claims, None, algorithm="none")}
    for name, token in forged.items():
        answer = client.get(REPORT, headers=bearer(token))
        assert answer.status_code == 401, name
        assert "must be signed with RS256" in problem(answer), name
    real = provider_id_token(provider, "siri@example.org", WIDGETS)
    assert client.get(REPORT, headers=bearer(real)).status_code == 200


def test_hs256_tokens_work_beside_an_issuer_until_switched_off(provider, make_app):
    on = make_app(provider_config(provider))
    hs256 = bearer(mint_user_token(state(on).token_secret, "kari"))
    assert on.test_client().get("/v1/targets?t=article:n1", headers=hs256).status_code == 200
    off = make_app(provider_config(provider), ENGAGEMENT_HS256_TOKENS=False)
    client = off.test_client()
    answer = client.get("/v1/targets?t=article:n1", headers=bearer(mint_user_token(state(off).token_secret, "kari")))
    assert answer.status_code == 401 and "names no issuer" in problem(answer)
    provider_token = bearer(provider_id_token(provider, "Kari@Example.org", WIDGETS))
    assert client.get("/v1/targets?t=article:n1", headers=provider_token).status_code == 200


def test_rotated_keys_are_fetched_once_and_a_flood_of_unknown_keys_is_not(small, make_app):
    client = make_app(small_config(small)).test_client()
    comms = {"roles": ["Tillit.Communications"]}
    assert client.get(REPORT, headers=bearer(small.token("siri", **comms))).status_code == 200
    assert small.fetches == {"discovery": 1, "jwks": 1}
    old = small.keys[small.kid]
    old_kid = small.kid
    small.rotate()
    assert client.get(REPORT, headers=bearer(small.token("siri", **comms))).status_code == 200
    assert small.fetches["jwks"] == 2  # the new kid made it fetch the set again
    for _ in range(25):
        answer = client.get(REPORT, headers=bearer(small.token("siri", kid=uuid.uuid4().hex, key=old, **comms)))
        assert answer.status_code == 401 and "publishes no key" in problem(answer)
    withdrawn = client.get(REPORT, headers=bearer(small.token("siri", kid=old_kid, key=old, **comms)))
    assert withdrawn.status_code == 401
    assert small.fetches == {"discovery": 1, "jwks": 2}  # the flood cost the provider nothing
    assert client.get(REPORT, headers=bearer(small.token("siri", **comms))).status_code == 200


def test_expiry_and_not_before_are_checked_with_a_small_leeway(small, make_app):
    client = make_app(small_config(small)).test_client()
    now = int(time.time())
    cases = {"expired": (small.token("kari", exp=now - 120), 401, "expired"),
             "expired within the leeway": (small.token("kari", exp=now - 10), 200, None),
             "not yet valid": (small.token("kari", nbf=now + 300), 401, "not valid yet"),
             "wrong audience": (small.token("kari", audience="graph"), 401, "tillit-api"),
             "no person": (small.token(""), 401, "'sub'")}
    for name, (token, status, words) in cases.items():
        answer = client.get("/v1/targets?t=article:n1", headers=bearer(token))
        assert answer.status_code == status, (name, answer.json)
        if words:
            assert words in problem(answer), name


def test_es256_keys_from_a_configured_jwks_uri_without_discovery(make_app):
    curve = SmallIssuer(curve=True)
    try:
        client = make_app(small_config(curve, jwks_uri=f"{curve.url}/keys", person_claim="email")).test_client()
        token = curve.token("opaque-subject", email="kari", roles=["Tillit.Communications"])
        assert client.get(REPORT, headers=bearer(token)).status_code == 200
        assert curve.fetches == {"discovery": 0, "jwks": 1}
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signed_rs256 = jwt.encode(jwt.decode(token, options={"verify_signature": False}), rsa_key,
                                  algorithm="RS256", headers={"kid": curve.kid})
        answer = client.get(REPORT, headers=bearer(signed_rs256))
        assert answer.status_code == 401 and "must be signed with ES256" in problem(answer)
    finally:
        curve.close()


def test_a_provider_that_cannot_be_reached_answers_503_not_401(make_app):
    gone = SmallIssuer()
    gone.close()
    client = make_app(small_config(gone)).test_client()
    answer = client.get("/v1/targets?t=article:n1", headers=bearer(gone.token("kari")))
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert gone.url in problem(answer)


def test_a_failing_key_set_is_asked_once_not_on_every_request(small, make_app):
    small.broken = True
    client = make_app(small_config(small)).test_client()
    for _ in range(10):
        answer = client.get("/v1/targets?t=article:n1", headers=bearer(small.token("kari")))
        assert answer.status_code == 503 and "500" in problem(answer)
    assert small.fetches == {"discovery": 1, "jwks": 1}


@pytest.mark.slow
def test_engagement_serve_takes_only_the_providers_tokens_when_hs256_is_off(provider, tmp_path):
    """The real service process, as an operator starts it, called over HTTP."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
           "ENGAGEMENT_OIDC_ISSUERS": json.dumps([provider_config(provider)]), "ENGAGEMENT_HS256_TOKENS": "off"}
    service = Service(["serve", "--port", str(port)], env, tmp_path / "serve.log").start()
    try:
        wait_until_healthy(base)
        kari = bearer(provider_id_token(provider, "Kari@Example.org", WIDGETS))
        mine = requests.get(f"{base}/v1/me/data", headers=kari, timeout=30)
        assert mine.status_code == 200 and mine.json()["person"] == "kari", mine.text
        hs256 = bearer(jwt.encode({"sub": "kari", "aud": "tillit", "iat": int(time.time()),
                                   "exp": int(time.time()) + 600}, TEST_SECRET, algorithm="HS256"))
        assert requests.get(f"{base}/v1/me/data", headers=hs256, timeout=30).status_code == 401
    finally:
        assert service.terminate() == 0, service.output()


@pytest.mark.slow
def test_engagement_serve_refuses_a_bad_issuer_setting_naming_the_field(tmp_path):
    env = {**os.environ, "ENGAGEMENT_INSTANCE_PATH": str(tmp_path), "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
           "ENGAGEMENT_OIDC_ISSUERS": '[{"issuer": "https://idp.example.org", "algorithms": ["HS256"]}]'}
    done = subprocess.run([ENGAGEMENT, "serve", "--port", str(free_port())], env=env, capture_output=True,
                          text=True, timeout=120)
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in said, said
    assert "ENGAGEMENT_OIDC_ISSUERS" in said and "[0].audience" in said and "[0].algorithms" in said


def test_people_of_other_domains_and_look_alike_names_never_become_a_staff_member(small, make_app):
    """With strip_domain, only addresses in allowed_domains count: a partner's or a private kari@
    would otherwise sign in as the staff member kari, and so would a Kelvin sign that lower-cases to k."""
    client = make_app(small_config(small, person_claim="email", lowercase=True, strip_domain=True,
                                   allowed_domains=["example.org"])).test_client()
    mine = client.get("/v1/me/data", headers=bearer(small.token("s1", email="Kari@Example.org")))
    assert mine.status_code == 200 and mine.json["person"] == "kari"
    refused = {"kari@partner-consulting.com": "is not an address in example.org",
               "KARI@gmail.com": "is not an address in example.org",
               "kari@": "is not an address in example.org",
               "kari": "is not an address in example.org",
               "\u212aari@example.org": "NFKC",
               " kari@example.org": "whitespace around it",
               "kari@example.org\n": "whitespace around it",
               "ka\u200bri@example.org": "control, format or unusual space"}
    for email, words in refused.items():
        answer = client.get("/v1/me/data", headers=bearer(small.token("s1", email=email)))
        assert answer.status_code == 401 and words in problem(answer), (email, answer.json)
        assert "'email' claim" in problem(answer)


def test_a_person_prefix_keeps_a_second_issuers_people_apart(small, make_app):
    partner = SmallIssuer()
    try:
        client = make_app(small_config(small), small_config(partner, person_prefix="partner:")).test_client()
        ours = client.get("/v1/me/data", headers=bearer(small.token("kari"))).json["person"]
        theirs = client.get("/v1/me/data", headers=bearer(partner.token("kari"))).json["person"]
        assert (ours, theirs) == ("kari", "partner:kari")
    finally:
        partner.close()


def test_app_only_tokens_and_tokens_without_the_required_scope_are_refused(small, make_app):
    client = make_app(small_config(small, required_scope="Tillit.Use")).test_client()
    allowed = {"entra delegated": {"scp": "User.Read Tillit.Use"}, "okta list": {"scp": ["openid", "Tillit.Use"]},
               "standard scope": {"scope": "openid Tillit.Use"}}
    for name, claims in allowed.items():
        assert client.get("/v1/me/data", headers=bearer(small.token("kari", **claims))).status_code == 200, name
    refused = {"no scope": ({}, "Tillit.Use"),
               "other scope": ({"scp": "User.Read"}, "Tillit.Use"),
               "scope as a longer word": ({"scp": "Tillit.User"}, "Tillit.Use"),
               "entra app-only": ({"idtyp": "app", "roles": ["Tillit.Use"], "scp": "Tillit.Use"}, "application's own"),
               "okta client credentials": ({"cid": "kari", "scp": ["Tillit.Use"]}, "application's own")}
    for name, (claims, words) in refused.items():
        answer = client.get("/v1/me/data", headers=bearer(small.token("kari", **claims)))
        assert answer.status_code == 401 and words in problem(answer), name
    without_scope = make_app(small_config(small)).test_client()  # app-only tokens are refused anyway
    answer = without_scope.get("/v1/me/data", headers=bearer(small.token("kari", idtyp="app")))
    assert answer.status_code == 401 and "application's own" in problem(answer)


def test_ps256_verifies_with_a_key_that_names_no_algorithm(small, make_app):
    """Entra ID's keys carry no ``alg``; the issuer's allow-list and the key's type decide."""
    client = make_app(small_config(small, algorithms=["PS256", "RS512"])).test_client()
    assert "alg" not in small.jwks()["keys"][0]
    for algorithm in ("PS256", "RS512"):
        answer = client.get("/v1/me/data", headers=bearer(small.token("kari", algorithm=algorithm)))
        assert answer.status_code == 200, (algorithm, answer.json)
    answer = client.get("/v1/me/data", headers=bearer(small.token("kari", algorithm="RS256")))
    assert answer.status_code == 401 and "must be signed with PS256 or RS512" in problem(answer)


def test_a_key_that_names_its_algorithm_verifies_only_that_one(make_app):
    named = SmallIssuer()
    try:
        original = named.jwks
        named.jwks = lambda: {"keys": [{**k, "alg": "RS256"} for k in original()["keys"]]}  # type: ignore[method-assign]
        client = make_app(small_config(named, algorithms=["RS256", "PS256"])).test_client()
        assert client.get("/v1/me/data", headers=bearer(named.token("kari"))).status_code == 200
        answer = client.get("/v1/me/data", headers=bearer(named.token("kari", algorithm="PS256")))
        assert answer.status_code == 401 and "is not for" in problem(answer)
    finally:
        named.close()


def test_a_token_of_more_than_32_kilobytes_is_refused_unread(small, make_app):
    client = make_app(small_config(small)).test_client()
    groups = [f"group-{n:05d}-0000-4000-8000-000000000000" for n in range(200)]  # about 10 KB: fine
    assert client.get("/v1/me/data", headers=bearer(small.token("kari", groups=groups))).status_code == 200
    huge = small.token("kari", groups=groups * 4)
    answer = client.get("/v1/me/data", headers=bearer(huge))
    assert answer.status_code == 401 and "longer than 32768 bytes" in problem(answer)
