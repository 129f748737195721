"""The weekly early warnings without e-mail: a Slack channel alone, when it is due, names as text,
a channel that refuses, and settings that cannot work."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.notifications import mailer
from engagement.notifications.model import MailOutbox
from engagement.state import state
from engagement.trust import warnings
from engagement.trust.model import EarlyWarningNote
from engagement.webhooks.chat import slack, teams
from tests.conftest import bearer, drain
from tests.receivers import Receiver, down_url

OSLO = ZoneInfo("Europe/Oslo")
TEAMS = [{"id": "etat", "name": "Etaten", "parent": None},
         {"id": "rd", "name": "*R&D* _ny_ <b>", "parent": "etat"}]


@pytest.fixture
def quiet_team(app, client, make_key):
    """Six people in a team and five in its unit, who share nothing: both raise "little sharing"."""
    key = make_key("directory:write")
    people = [{"id": f"p{i}", "name": f"Person {i}", "team": "rd", "email": f"p{i}@etat.test"} for i in range(6)]
    people += [{"id": f"e{i}", "name": f"Etat {i}", "team": "etat"} for i in range(5)]
    assert client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": TEAMS,
                                                   "as_of": "2026-08-01T00:00:00Z"},
                       headers=bearer(key)).status_code == 200
    drain(app, ("ledger", "trust"))


def configure(app, url: str, **more) -> None:
    app.config.update(ENGAGEMENT_CHAT_CHANNELS={"slack-comms": {"kind": "slack", "url": url}},
                      ENGAGEMENT_WARNING_CHANNEL="slack-comms", ENGAGEMENT_WARNING_LANG="nn",
                      ENGAGEMENT_WARNING_WEEKDAY=3, ENGAGEMENT_WARNING_HOUR=14, **more)


def test_a_slack_channel_alone_gets_the_note_on_its_day_with_names_shown_as_written(app, quiet_team):
    with Receiver() as channel:
        configure(app, channel.url)
        assert mailer.run_once(app, datetime(2026, 12, 2, 13, 59, tzinfo=OSLO)) == {"mail": "off"}  # Wed, 13:59
        assert channel.received == []
        done = mailer.run_once(app, datetime(2026, 12, 2, 14, 0, tzinfo=OSLO))
        assert done == {"mail": "off", "warnings": {"warnings": "sent", "week": "2026-W49", "teams": 2,
                                                    "mailed": 0, "posted": "posted"}}
        assert mailer.run_once(app, datetime(2026, 12, 5, 9, tzinfo=OSLO)) == {"mail": "off"}  # that week: done
    blocks = channel.received[0].json()["blocks"]
    assert blocks[0]["text"]["text"] == "Tidlege varsel, veke 2026-W49"
    section = blocks[2]["text"]["text"]
    assert section.startswith("*\u200b*\u200bR&amp;D\u200b*\u200b \u200b_\u200bny\u200b_\u200b &lt;b&gt;*\n")
    assert "• Lite deling: 0 av 6 medlemmer (0 %) delte noko i perioden" in section
    assert "Person" not in str(blocks)
    with Session(state(app).engine) as session:
        assert session.scalars(select(MailOutbox)).all() == []


def test_a_channel_that_refuses_is_recorded_and_the_week_is_not_posted_twice(app, quiet_team):
    configure(app, down_url())
    answer = mailer.warn_now(app, datetime(2026, 12, 1, 9, tzinfo=OSLO))  # by hand: any day
    assert (answer["warnings"], answer["posted"]) == ("sent", "failed")
    assert mailer.warn_now(app, datetime(2026, 12, 1, 10, tzinfo=OSLO))["warnings"] == "sent before"
    with Session(state(app).engine) as session:
        assert session.get(EarlyWarningNote, "2026-W49").posted == "failed"


def test_nothing_to_send_it_with_leaves_the_week_free(app, quiet_team):
    app.config.update(ENGAGEMENT_WARNING_RECIPIENTS=["p1"])  # e-mail recipients, but no SMTP server
    assert mailer.warn_now(app, datetime(2026, 12, 1, 9, tzinfo=OSLO)) == {"warnings": "off"}
    with Session(state(app).engine) as session:
        assert session.scalars(select(EarlyWarningNote)).all() == []


@pytest.mark.parametrize("setting, value, message", [
    ("ENGAGEMENT_WARNING_LANG", "sv", "ENGAGEMENT_WARNING_LANG must be one of"),
    ("ENGAGEMENT_WARNING_WEEKDAY", 0, "ENGAGEMENT_WARNING_WEEKDAY must be 1"),
    ("ENGAGEMENT_WARNING_HOUR", 24, "ENGAGEMENT_WARNING_HOUR 0 to 23"),
])
def test_settings_that_cannot_work_are_refused_by_name(app, setting, value, message):
    with pytest.raises(ValueError, match=message):
        warnings.WarningSettings.from_config({**app.config, setting: value})


def test_both_chats_show_markup_in_names_as_text():
    post = warnings.note_post("en", "2026-W49", [("1. linje *R&D*", ["Little sharing: [x](y)"])])
    card = teams(post)["attachments"][0]["content"]["body"]
    assert [b["text"] for b in card[2:4]] == ["1\\. linje \\*R&D\\*", "- Little sharing: \\[x\\](y)"]
    assert slack(post)["blocks"][2]["text"]["text"] == (
        "*1. linje \u200b*\u200bR&amp;D\u200b*\u200b*\n• Little sharing: [x](y)")
