"""E-mail digests against a real SMTP server in the test process (aiosmtpd)."""
from __future__ import annotations

import email
import re
from datetime import datetime
from email import policy
from zoneinfo import ZoneInfo

import pytest

from engagement.notifications import digests, mailer
from engagement.state import state
from tests.conftest import bearer, drain
from tests.services import free_port
from tests.unit.test_notifications import ev

OSLO = ZoneInfo("Europe/Oslo")
PEOPLE = {"kari": ("Kari Nordmann", "nn"), "ola": ("Ola Hansen", "nb"), "per": ("Per Berg", "nb"),
          "siv": ("Siv Lie", "nb"), "bo": ("Bo Ek", "da")}


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def inbox():
    from aiosmtpd.controller import Controller
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
def mail_app(app, inbox, make_key, client):
    app.config.update(ENGAGEMENT_SMTP_HOST="127.0.0.1", ENGAGEMENT_SMTP_PORT=inbox[1], ENGAGEMENT_SMTP_TLS="none",
                      ENGAGEMENT_PUBLIC_URL="http://tillit.test", ENGAGEMENT_MAIL_FROM="Tillit <tillit@kommune.test>")
    key = make_key("directory:write", "events:write")
    people = [{"id": p, "name": name, "team": "t", "locale": locale, "email": f"{p}@kommune.test"}
              for p, (name, locale) in PEOPLE.items()]
    client.post("/v1/directory/sync", json={"mode": "full", "people": people,
                                            "teams": [{"id": "t", "name": "Team", "parent": None}]},
                headers=bearer(key))
    app.config["_key"] = key
    return app


def send(app, events):
    client = app.test_client()
    answer = client.post("/v1/events/batch", json={"events": events}, headers=bearer(app.config["_key"]))
    assert answer.status_code == 202
    drain(app, ("ledger", "notifications"))


def liked_budget(time: str = "2026-11-10T10:00:00+01:00") -> list[dict]:
    article = "article:budsjett"
    return ([ev("content.published", "kari", article, "kari", time, content_kind="article", title="Budsjett <2027>")]
            + [ev("like.added", p, article, "kari", time) for p in ("ola", "per", "siv", "bo")]
            + [ev("kudos.given", "ola", "person:kari", "kari", time, about=article)])


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=OSLO)


def test_a_daily_digest_grouped_in_the_person_s_language_with_a_working_unsubscribe(mail_app, inbox):
    box, _ = inbox
    send(mail_app, liked_budget())
    assert mailer.run_once(mail_app, local(11, 7, 30))["claimed"] == 0  # before ENGAGEMENT_DIGEST_HOUR
    assert mailer.run_once(mail_app, local(11, 8, 5)) == {"claimed": 1, "sent": 1, "failed": 0, "uncertain": 0}
    [mail] = box.messages
    assert mail["To"] == "kari@kommune.test" and mail["Subject"] == "Tillit: 2 nye anerkjenningar"
    text = mail.get_body(("plain",)).get_content()
    assert "Hei Kari!" in text and "- Ola Hansen og 3 andre likte «Budsjett <2027>»" in text
    assert "- Ola Hansen gav deg Bra! for «Budsjett <2027>»" in text
    assert "Budsjett &lt;2027&gt;" in mail.get_body(("html",)).get_content()  # escaped in HTML
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mailer.run_once(mail_app, local(11, 9))["claimed"] == 0  # nothing new, nothing twice

    url = re.search(r"http://tillit.test(/v1/notifications/unsubscribe\?token=\S+)", text).group(1)
    client = mail_app.test_client()  # no credentials: the signed link is enough
    page = client.get(url)
    assert page.status_code == 200 and "Meld meg av" in page.get_data(as_text=True)
    assert client.post(url).status_code == 200
    assert client.post(url.replace("token=", "token=x")).status_code == 400  # a forged token
    send(mail_app, [ev("like.added", "ola", "article:other", "kari", "2026-11-12T10:00:00+01:00")])
    assert mailer.run_once(mail_app, local(13, 9))["claimed"] == 0 and len(box.messages) == 1


def test_immediate_mail_waits_for_the_end_of_quiet_hours(mail_app, inbox, user_token):
    box, _ = inbox
    client = mail_app.test_client()
    client.put("/v1/notifications/preferences", json={"digest": "immediate",
                                                      "quiet_hours": {"start": "21:00", "end": "07:00"}},
               headers=bearer(user_token("kari")))
    send(mail_app, liked_budget("2026-11-10T22:10:00+01:00"))
    assert mailer.run_once(mail_app, local(10, 22, 15))["claimed"] == 0 and box.messages == []
    assert mailer.run_once(mail_app, local(11, 7, 0))["sent"] == 1
    send(mail_app, [ev("like.added", "per", "article:budsjett2", "kari", "2026-11-11T07:30:00+01:00")])
    assert mailer.run_once(mail_app, local(11, 7, 31))["sent"] == 1  # immediate: no daily limit
    assert "Per Berg likte «bidraget ditt»" in box.messages[1].get_body(("plain",)).get_content()


def test_a_crash_between_sending_and_recording_never_sends_twice(mail_app, inbox, monkeypatch):
    box, _ = inbox
    send(mail_app, liked_budget())

    def crash(session, row):
        raise SystemExit("the mailer was killed after the server took the mail")
    monkeypatch.setattr(digests, "_record_sent", crash)
    with pytest.raises(SystemExit):
        mailer.run_once(mail_app, local(11, 9))
    monkeypatch.undo()
    assert len(box.messages) == 1
    assert mailer.recover(mail_app) == 1  # the next mailer starts: the half-sent mail is uncertain
    assert mailer.run_once(mail_app, local(11, 10)) == {"claimed": 0, "sent": 0, "failed": 0, "uncertain": 0}
    assert mailer.run_once(mail_app, local(12, 10))["claimed"] == 0
    assert len(box.messages) == 1
    from engagement.notifications.model import MailOutbox
    with mail_app.app_context():
        assert [r.status for r in state(mail_app).db.session.query(MailOutbox)] == ["uncertain"]


def test_an_smtp_server_that_is_down_leaves_the_mail_pending_for_later(mail_app, inbox):
    box, port = inbox
    send(mail_app, liked_budget())
    mail_app.config["ENGAGEMENT_SMTP_PORT"] = free_port()  # nothing listens there
    assert mailer.run_once(mail_app, local(11, 9)) == {"claimed": 1, "sent": 0, "failed": 0, "uncertain": 0}
    mail_app.config["ENGAGEMENT_SMTP_PORT"] = port
    assert mailer.run_once(mail_app, local(11, 9, 1))["sent"] == 1 and len(box.messages) == 1


def test_starttls_with_a_login(mail_app, tmp_path, monkeypatch):
    """The organisation's relay with STARTTLS and credentials; its CA trusted through SSL_CERT_FILE."""
    import ssl

    import trustme
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_tls)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"tillit", b"hemmelig"))

    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), tls_context=server_tls,
                            require_starttls=True, authenticator=authenticate)
    controller.start()
    try:
        mail_app.config.update(ENGAGEMENT_SMTP_PORT=controller.port, ENGAGEMENT_SMTP_TLS="starttls",
                               ENGAGEMENT_SMTP_TIMEOUT=2.0,  # aiosmtpd answers a refused login by silence
                               ENGAGEMENT_SMTP_USER="tillit", ENGAGEMENT_SMTP_PASSWORD="feil")
        send(mail_app, liked_budget())
        assert mailer.run_once(mail_app, local(11, 9))["sent"] == 0  # refused login: the mail waits
        mail_app.config["ENGAGEMENT_SMTP_PASSWORD"] = "hemmelig"
        assert mailer.run_once(mail_app, local(11, 9, 1))["sent"] == 1
    finally:
        controller.stop()
    assert logins == [(b"tillit", b"feil"), (b"tillit", b"hemmelig")] and len(box.messages) == 1


def unsubscribe_path(mail) -> str:
    text = mail.get_body(("plain",)).get_content()
    return re.search(r"http://tillit.test(/v1/notifications/unsubscribe\?token=\S+)", text).group(1)


def digest_setting(client, token) -> str:
    return client.get("/v1/notifications/preferences", headers=bearer(token)).json["digest"]


def test_an_unsubscribe_link_expires_after_the_configured_days(mail_app, inbox, user_token, monkeypatch):
    from itsdangerous.timed import TimestampSigner
    box, _ = inbox
    send(mail_app, liked_budget())
    mailer.run_once(mail_app, local(11, 9))
    url, client, kari = unsubscribe_path(box.messages[0]), mail_app.test_client(), user_token("kari")
    now = TimestampSigner.get_timestamp(TimestampSigner("x"))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 59 * 86_400)
    assert client.get(url).status_code == 200  # an old digest still works within the 60 days
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 61 * 86_400)
    page = client.get(url)
    assert page.status_code == 410 and "gått ut" in page.get_data(as_text=True)  # Kari reads nynorsk
    assert client.post(url, data="List-Unsubscribe=One-Click").status_code == 410
    assert digest_setting(client, kari) == "daily"  # nothing changed


def test_turning_mail_on_again_or_revoking_ends_every_older_link(mail_app, inbox, user_token):
    box, _ = inbox
    send(mail_app, liked_budget())
    mailer.run_once(mail_app, local(11, 9))
    first, client, kari = unsubscribe_path(box.messages[0]), mail_app.test_client(), user_token("kari")
    one_click = client.post(first, data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")  # RFC 8058, as a mail client sends it
    assert one_click.status_code == 200 and digest_setting(client, kari) == "off"
    assert client.put("/v1/notifications/preferences", json={"digest": "immediate", "quiet_hours": None},
                      headers=bearer(kari)).status_code == 200
    assert client.post(first).status_code == 410  # an old digest cannot switch mail off again
    assert digest_setting(client, kari) == "immediate"

    send(mail_app, [ev("like.added", "ola", "article:other", "kari", "2026-11-12T10:00:00+01:00")])
    assert mailer.run_once(mail_app, local(12, 11))["sent"] == 1
    second = unsubscribe_path(box.messages[1])
    assert client.get(second).status_code == 200
    revoked = client.post("/v1/notifications/unsubscribe/revoke", headers=bearer(kari))
    assert revoked.status_code == 200 and revoked.json["revoked"] is True
    assert client.get(second).status_code == 410 and client.post(second).status_code == 410
    assert digest_setting(client, kari) == "immediate"
