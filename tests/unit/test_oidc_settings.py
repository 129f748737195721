"""ENGAGEMENT_OIDC_ISSUERS and ENGAGEMENT_HS256_TOKENS at start-up: a mistake stops Tillit with an
error naming the setting and each bad field, before it answers anything."""
from __future__ import annotations

import json

import pytest

from engagement import create_app
from engagement.config import RefusedSetting
from engagement.signin import IssuerSettingError, parse_issuers
from tests.conftest import TEST_SECRET

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
    ("[{'issuer': 1}", "is not valid JSON"),
    ('{"issuer": "https://idp.example.org"}', "must be a JSON list"),
    ([{"issuer": "https://idp.example.org"}], "[0].audience: Missing data"),
    ([ENTRA, {**ENTRA, "issuer": "https://other.example.org", "audience": []}], "[1].audience: Shorter than"),
    ([{**ENTRA, "algorithms": ["HS256"]}], "[0].algorithms.0: Must be one of: RS256"),
    ([{**ENTRA, "algorithms": ["none"]}], "[0].algorithms.0"),
    ([{**ENTRA, "roles": {"admin": ["Tillit.Admin"]}}], "[0].roles.admin.key: Must be one of: leader, communications"),
    ([{**ENTRA, "issuer": "http://idp.example.org"}], "[0].issuer: must be an https URL"),
    ([{**ENTRA, "audiance": "x"}], "[0].audiance: Unknown field"),
    ([ENTRA, ENTRA], "more than once"),
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
