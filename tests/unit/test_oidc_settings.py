"""ENGAGEMENT_OIDC_ISSUERS and ENGAGEMENT_HS256_TOKENS at start-up: a mistake stops Tillit with an
error naming the setting and each bad field, before it answers anything."""
from __future__ import annotations

import json

import pytest
from flask import Flask

from engagement import Engagement, create_app
from engagement.auth import mint_user_token
from engagement.config import RefusedSetting
from engagement.signin import IssuerSettingError, hs256_enabled, parse_issuers
from engagement.signin.issuers import PersonRefused
from engagement.state import state
from tests.conftest import TEST_SECRET, bearer

ENTRA = {"issuer": "https://login.microsoftonline.com/4f1c2b9e-0000-4000-8000-000000000001/v2.0",
         "audience": "3d2a7c55-0000-4000-8000-000000000002", "person_claim": "oid",
         "roles": {"leader": ["Tillit.Leader"], "communications": ["Tillit.Communications"]},
         "groups": {"communications": ["0b7e4f1a-0000-4000-8000-000000000003"]}}


def app_with(tmp_path, **settings):
    return create_app({"TESTING": True, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                       "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"),
                       "ENGAGEMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **settings})


def test_an_entra_id_issuer_is_read_with_its_mappings():
    [issuer] = parse_issuers(json.dumps([ENTRA]))
    assert issuer.audiences == (ENTRA["audience"],) and issuer.algorithms == ("RS256",)
    assert issuer.person_claim == "oid" and issuer.jwks_uri is None
    assert issuer.tillit_roles({"Tillit.Leader", "Some.Other"}, set()) == {"leader"}
    assert issuer.tillit_roles({"communications"}, {"0b7e4f1a-0000-4000-8000-000000000003"}) == {"communications"}
    assert issuer.tillit_roles({"leader", "communications"}, {"everyone"}) == frozenset()


def test_a_person_id_can_be_lower_cased_and_its_domain_stripped():
    [issuer] = parse_issuers([{**ENTRA, "person_claim": "preferred_username", "lowercase": True,
                               "strip_domain": True, "allowed_domains": ["example.onmicrosoft.com"]}])
    assert issuer.person("Kari.Nordmann@Example.onmicrosoft.com") == "kari.nordmann"


@pytest.mark.parametrize("value,words", [
    ("kari@partner-consulting.com", "not an address in example.org"),
    ("kari@", "not an address in example.org"),
    ("@example.org", "not an address in example.org"),
    ("\u212aari@example.org", "NFKC"),  # the Kelvin sign, which lower-cases to a plain k
    ("\uff4bari@example.org", "NFKC"),  # a full-width k
    ("kari@example.org ", "whitespace around it"),
    ("ka\u00adri@example.org", "control, format"),  # a soft hyphen, invisible
    ("ka\u00a0ri@example.org", "control, format or unusual space"),
])
def test_person_ids_that_could_pass_for_someone_else_are_refused(value, words):
    [issuer] = parse_issuers([{**ENTRA, "person_claim": "email", "lowercase": True, "strip_domain": True,
                               "allowed_domains": ["example.org"]}])
    assert issuer.person("Kåre.Ås@EXAMPLE.org") == "kåre.ås"  # letters beyond ASCII are names, not tricks
    with pytest.raises(PersonRefused, match=words):
        issuer.person(value)


def test_allowed_domains_alone_keeps_the_whole_address_and_a_prefix_marks_the_issuer():
    [issuer] = parse_issuers([{**ENTRA, "allowed_domains": ["example.org"], "person_prefix": "partner:"}])
    assert issuer.person("kari@example.org") == "partner:kari@example.org"
    with pytest.raises(PersonRefused):
        issuer.person("kari@example.org.evil.com")


@pytest.mark.parametrize("value,words", [
    ("[{'issuer': 1}", "is not valid JSON"),
    ('{"issuer": "https://idp.example.org"}', "must be a JSON list"),
    ([{"issuer": "https://idp.example.org"}], "[0].audience: Missing data"),
    ([ENTRA, {**ENTRA, "issuer": "https://other.example.org", "audience": []}], "[1].audience: Shorter than"),
    ([{**ENTRA, "algorithms": ["HS256"]}], "[0].algorithms.0: Must be one of: RS256"),
    ([{**ENTRA, "algorithms": ["none"]}], "[0].algorithms.0"),
    ([{**ENTRA, "roles": {"owner": ["Tillit.Owner"]}}],
     "[0].roles.owner.key: Must be one of: leader, communications, admin"),
    ([{**ENTRA, "issuer": "http://idp.example.org"}], "[0].issuer: must be an https URL"),
    ([{**ENTRA, "audiance": "x"}], "[0].audiance: Unknown field"),
    ([ENTRA, ENTRA], "more than once"),
    ([{**ENTRA, "strip_domain": True}], "[0].allowed_domains: strip_domain needs the list of domains"),
    ([{**ENTRA, "allowed_domains": ["Example.org"]}], "[0].allowed_domains.0: must be a lower-case domain"),
    ([{**ENTRA, "allowed_domains": ["@example.org"]}], "[0].allowed_domains.0: must be a lower-case domain"),
    ([{**ENTRA, "allowed_domains": []}], "[0].allowed_domains: Shorter than"),
    ([{**ENTRA, "person_prefix": "partner "}], "[0].person_prefix: must be 1 to 40"),
    ([{**ENTRA, "required_scope": "Tillit.Use openid"}], "[0].required_scope: must be one scope"),
])
def test_bad_issuer_settings_name_each_bad_field(value, words):
    with pytest.raises(IssuerSettingError) as refused:
        parse_issuers(value)
    assert "ENGAGEMENT_OIDC_ISSUERS" in str(refused.value) and words in str(refused.value)
    assert "Tillit will not start" in str(refused.value)


def test_start_up_refuses_a_bad_issuer_setting(tmp_path):
    with pytest.raises(IssuerSettingError, match=r"\[0\]\.audience"):
        app_with(tmp_path, ENGAGEMENT_OIDC_ISSUERS=json.dumps([{"issuer": ENTRA["issuer"]}]))


def test_hs256_tokens_cannot_be_switched_off_with_no_issuer_or_with_the_demo(tmp_path):
    with pytest.raises(RefusedSetting, match="names no issuer"):
        app_with(tmp_path, ENGAGEMENT_HS256_TOKENS=False)
    with pytest.raises(RefusedSetting, match="ENGAGEMENT_DEMO needs ENGAGEMENT_HS256_TOKENS"):
        app_with(tmp_path, ENGAGEMENT_HS256_TOKENS=False, ENGAGEMENT_DEMO=True,
                 ENGAGEMENT_OIDC_ISSUERS=json.dumps([ENTRA]))


def test_the_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGEMENT_OIDC_ISSUERS", json.dumps([ENTRA]))
    monkeypatch.setenv("ENGAGEMENT_HS256_TOKENS", "off")
    from engagement.state import state
    sign_in = state(app_with(tmp_path)).sign_in
    assert list(sign_in.issuers) == [ENTRA["issuer"]] and sign_in.secret is None


def host_app(tmp_path, **settings) -> Flask:
    """An intranet's own Flask app that sets Tillit's settings in its config, as text from its own files."""
    app = Flask("intranet")
    app.config.update({"ENGAGEMENT_TOKEN_SECRET": TEST_SECRET, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite3"),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'intranet.sqlite3'}", **settings})
    Engagement().init_app(app)
    return app


def test_a_host_app_that_sets_hs256_tokens_to_the_text_off_turns_them_off(tmp_path):
    app = host_app(tmp_path, ENGAGEMENT_HS256_TOKENS="off", ENGAGEMENT_DEMO="off",
                   ENGAGEMENT_OIDC_ISSUERS=json.dumps([ENTRA]))
    assert state(app).sign_in.secret is None and hs256_enabled(app.config) is False
    assert app.config["ENGAGEMENT_DEMO"] is False and app.test_client().get("/demo").status_code == 404
    answer = app.test_client().get("/v1/me/data", headers=bearer(mint_user_token(TEST_SECRET, "kari")))
    assert answer.status_code == 401


@pytest.mark.parametrize("value", ["of", "disabled", 2, None])
def test_an_on_off_setting_that_is_neither_stops_start_up(tmp_path, value):
    with pytest.raises(RefusedSetting, match="ENGAGEMENT_HS256_TOKENS is .* it must be on or off"):
        host_app(tmp_path, ENGAGEMENT_HS256_TOKENS=value, ENGAGEMENT_OIDC_ISSUERS=json.dumps([ENTRA]))


def test_a_refused_token_is_verified_once_per_request(tmp_path, monkeypatch):
    """The rate limiter and the view both ask who is calling; a refused token must not be
    checked twice (against a slow provider, that doubled the wait before the 401 or 503)."""
    from engagement.state import state
    from tests.conftest import bearer
    app = app_with(tmp_path, ENGAGEMENT_RATE_LIMIT_USER="100/minute")
    sign_in = state(app).sign_in
    checked = []
    real = sign_in.principal

    def counting(token):
        checked.append(token)
        return real(token)
    monkeypatch.setattr(sign_in, "principal", counting)
    answer = app.test_client().post("/v1/events", json={}, headers=bearer("not-a-token"))
    assert answer.status_code == 401 and checked == ["not-a-token"]
