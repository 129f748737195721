"""The announcement's reasons in words: counts of nothing are left out, never "0 kolleger i 0 team"."""
from __future__ import annotations

from engagement.awards import announcement

FACTS = {"contributions": 14, "colleagues": 23, "teams": 5, "developed_ideas": 0, "adopted_ideas": 0}


def result(facts: dict, category: str = "contributor") -> dict:
    return {"month": "2026-10", "threshold": [],
            "categories": {category: [{"rank": 1, "person": "ola", "name": "Ola Hansen", "score": 6.75,
                                       "facts": facts}]}}


def test_a_full_reason_in_each_language_with_its_plurals():
    assert announcement.reason(FACTS, "contributor", "nb") == "14 bidrag, anerkjent av 23 kolleger i 5 team"
    assert announcement.reason(FACTS, "contributor", "en") == "14 contributions, recognised by 23 colleagues in 5 teams"
    one = {**FACTS, "contributions": 1, "colleagues": 1, "teams": 1}
    assert announcement.reason(one, "contributor", "en") == "1 contribution, recognised by 1 colleague in 1 team"


def test_no_recognition_is_left_out_rather_than_counted_as_zero():
    facts = {**FACTS, "colleagues": 0, "teams": 0}
    for lang in ("nb", "nn", "da", "en"):
        text = announcement.markdown(result(facts), lang, 3) + announcement.html(result(facts), lang, 3)
        assert " 0 " not in text, (lang, text)
    assert announcement.reason(facts, "contributor", "nb") == "14 bidrag"


def test_colleagues_without_known_teams_are_named_without_the_teams():
    facts = {**FACTS, "contributions": 0, "teams": 0}
    assert announcement.reason(facts, "appreciated", "nb") == "anerkjent av 23 kolleger"
    assert announcement.reason(facts, "appreciated", "en") == "recognised by 23 colleagues"


def test_ideas_without_adoption_and_a_winner_with_nothing_to_say():
    facts = {**FACTS, "colleagues": 0, "teams": 0, "developed_ideas": 3}
    assert announcement.reason(facts, "idea_developer", "en") == "14 contributions; built on 3 ideas"
    nothing = dict.fromkeys(FACTS, 0)
    assert "- Ola Hansen\n" in announcement.markdown(result(nothing), "en", 3)  # no dangling dash
    assert "<li>Ola Hansen</li>" in announcement.html(result(nothing), "en", 3)


def test_no_decimal_score_in_the_announcement():
    text = announcement.markdown(result(FACTS), "nb", 3)
    assert "6.75" not in text and "6,75" not in text


def test_the_leaders_page_learns_the_channel_names_and_never_their_addresses(app, client, user_token, make_key):
    from tests.conftest import bearer
    app.config["ENGAGEMENT_CHAT_CHANNELS"] = {
        "teams-all": {"kind": "teams", "url": "https://chat.invalid/hook/secret-1"},
        "slack-comms": {"kind": "slack", "url": "https://chat.invalid/hook/secret-2"}}
    url = "/v1/awards/announcement/channels"
    assert client.get(url).status_code == 401
    for refused in (user_token("kari"), make_key("trust:read")):
        answer = client.get(url, headers=bearer(refused))
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    for allowed in (user_token("lena", roles=("leader",)), make_key("awards:manage")):
        answer = client.get(url, headers=bearer(allowed))
        assert answer.status_code == 200 and answer.json == {"channels": ["slack-comms", "teams-all"]}
        assert "secret" not in answer.get_data(as_text=True)
    app.config["ENGAGEMENT_CHAT_CHANNELS"] = {}
    assert client.get(url, headers=bearer(make_key("awards:manage"))).json == {"channels": []}
