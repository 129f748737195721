"""What Tillit knows about me, over real HTTP (a local server on the test's app): a person's own
data as JSON and CSV, nobody else's; the data protection officer's reads, each audited."""
from __future__ import annotations

import csv
import io
import json
import threading

import pytest
import requests
from werkzeug.serving import make_server

from engagement.privacy import forms
from tests.conftest import bearer, drain

AUDIT = "engagement_privacy_audit"
PEOPLE = {"kari": "Kari Nordmann", "ola": "Ola Hansen", "lena": "Lena Berg"}


def ev(n: int, type_: str, actor: str, target: str, owner: str, **data) -> dict:
    kind, target_id = target.split(":")
    return {"id": f"md{n}", "type": type_, "actor": actor, "time": f"2026-11-10T10:{n:02d}:00+01:00",
            "data": data, "target": {"kind": kind, "id": target_id, "owner": owner}}


@pytest.fixture
def served(app):
    """The app behind a real socket: what a browser or the intranet's back end talks to."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def world(app, client, make_key):
    key = make_key("directory:write", "events:write")
    people = [{"id": p, "name": name, "team": "t", "email": f"{p}@example.no", "role": "member"}
              for p, name in PEOPLE.items()]
    assert client.post("/v1/directory/sync", json={"mode": "full", "people": people,
                                                   "teams": [{"id": "t", "name": "Team", "parent": None}]},
                       headers=bearer(key)).status_code == 200
    events = [ev(1, "like.added", "kari", "article:kantine", "ola"),
              ev(2, "kudos.given", "kari", "person:ola", "ola", message="Takk for hjelpen med budsjettet"),
              ev(3, "like.added", "ola", "article:parkering", "lena")]  # Kari has nothing to do with this one
    assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202
    drain(app, ("ledger", "recognition", "notifications", "trust", "awards", "ideas", "profiles"))
    return key


def get(base: str, path: str, credential: str | None = None) -> requests.Response:
    return requests.get(base + path, headers=bearer(credential) if credential else {}, timeout=10)


def table(body: dict, name: str) -> dict:
    return next(t for t in body["tables"] if t["table"] == name)


def without_audit(body: dict) -> list[dict]:
    return [t for t in body["tables"] if t["table"] != AUDIT]


def rows(body: dict) -> list[dict]:
    return [row for table in body["tables"] for row in table["rows"]]


def test_a_person_reads_their_own_data_as_json(served, world, user_token):
    response = get(served, "/v1/me/data", user_token("kari"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    body = response.json()
    assert (body["format"], body["person"]) == (1, "kari")
    assert all({"table", "domain", "purpose", "legal_basis", "retention", "rows"} <= set(t) for t in body["tables"])
    text = json.dumps(rows(body))
    assert "kantine" in text and "Takk for hjelpen med budsjettet" in text and "Kari Nordmann" in text
    assert "parkering" not in text  # Ola's like of Lena's article is not Kari's data
    download = get(served, "/v1/me/data?download=true", user_token("kari"))
    assert download.headers["Content-Disposition"] == 'attachment; filename="tillit-kari.json"'
    assert download.json()["tables"] == body["tables"]


def test_a_person_downloads_their_own_data_as_csv(served, world, user_token):
    response = get(served, "/v1/me/data?format=csv", user_token("kari"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="tillit-kari.csv"'
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert table and set(table[0]) == {"table", "row", "column", "value"}
    values = {row["value"] for row in table}
    assert "Kari Nordmann" in values and not any("parkering" in v for v in values)
    as_json = get(served, "/v1/me/data", user_token("kari")).json()
    assert {row["table"] for row in table} == {t["table"] for t in as_json["tables"] if t["rows"]}


def test_nobody_else_reads_a_persons_own_data(served, world, user_token, make_key):
    ola = get(served, "/v1/me/data", user_token("ola")).json()
    assert ola["person"] == "ola" and "Kari Nordmann" not in json.dumps(rows(ola))
    for key in (world, make_key("privacy:read"), make_key("audit:read")):
        response = get(served, "/v1/me/data", key)
        assert response.status_code == 403 and response.headers["Content-Type"] == "application/problem+json"
    assert get(served, "/v1/me/data").status_code == 401
    # the officer's way in is closed to a person's token, their own or a colleague's, and to other keys
    for credential in (user_token("ola"), user_token("kari"), world, make_key("audit:read")):
        assert get(served, "/v1/people/kari/data", credential).status_code == 403


def test_the_data_protection_officer_reads_anyones_data_and_every_read_is_audited(served, world, make_key,
                                                                                 user_token):
    officer, auditor = make_key("privacy:read", name="dpo"), make_key("audit:read", name="admin")
    own = get(served, "/v1/me/data", user_token("kari")).json()  # the person's own read: not audited
    body = get(served, "/v1/people/kari/data", officer).json()
    assert body["person"] == "kari" and without_audit(body) == without_audit(own)
    seen = get(served, "/v1/me/data", user_token("kari")).json()  # and Kari sees that the officer read it
    assert [(r["who"], r["format"]) for r in table(seen, AUDIT)["rows"]] == [("key:dpo", "json")]
    export = get(served, "/v1/people/ola/data?format=csv", officer)
    assert export.headers["Content-Disposition"] == 'attachment; filename="tillit-ola.csv"'
    nobody = get(served, "/v1/people/nobody/data", officer).json()
    assert nobody["tables"] and rows({"tables": without_audit(nobody)}) == []  # the answer: nothing held
    assert table(nobody, AUDIT)["rows"][0]["who"] == "key:dpo"  # but this read itself
    assert get(served, "/v1/privacy/audit", officer).status_code == 403  # reading is not reading the audit
    reads = get(served, "/v1/privacy/audit", auditor).json()["reads"]
    assert [(r["who"], r["person"], r["format"]) for r in reads] == [
        ("key:dpo", "nobody", "json"), ("key:dpo", "ola", "csv"), ("key:dpo", "kari", "json")]
    assert all(r["at"].endswith("Z") for r in reads)
    assert len(get(served, "/v1/privacy/audit?limit=1", auditor).json()["reads"]) == 1


def test_bad_input_names_each_field(served, world, make_key, user_token):
    response = get(served, "/v1/me/data?format=xml&download=perhaps", user_token("kari"))
    assert response.status_code == 422 and response.headers["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} == {"format", "download"}
    officer = make_key("privacy:read", name="dpo")
    assert get(served, "/v1/people/kari/data?format=pdf", officer).json()["errors"][0]["field"] == "format"
    audit = get(served, "/v1/privacy/audit?limit=0", make_key("audit:read"))
    assert audit.status_code == 422 and audit.json()["errors"][0]["field"] == "limit"
    assert get(served, "/v1/privacy/audit", make_key("audit:read")).json()["reads"] == []  # a refused read is none


def test_the_file_name_never_carries_a_quote_or_a_separator(served, world, make_key):
    response = get(served, '/v1/people/a%22b%5Cc%3B/data?format=csv', make_key("privacy:read"))
    assert response.headers["Content-Disposition"] == 'attachment; filename="tillit-a_b_c_.csv"'


def test_the_officer_reads_a_person_whose_id_holds_a_slash(served, world, make_key):
    response = get(served, "/v1/people/kari/oslo/data", make_key("privacy:read"))
    assert response.status_code == 200 and response.json()["person"] == "kari/oslo"


def test_erasure_leaves_the_audit_of_a_read_without_the_persons_id(served, world, make_key):
    """The audit keeps that the officer read someone's data, never who it was once they are erased."""
    get(served, "/v1/people/kari/data", make_key("privacy:read", name="dpo"))
    erased = requests.post(served + "/v1/directory/people/kari/erase", headers=bearer(world), timeout=10)
    assert erased.status_code == 200, erased.text
    reads = get(served, "/v1/privacy/audit", make_key("audit:read")).json()["reads"]
    assert len(reads) == 1 and reads[0]["who"] == "key:dpo" and "kari" not in reads[0]["person"]


def post(base: str, token: str, event: dict) -> None:
    """An event as the person's widget sends it: with their own token, the token naming the actor."""
    answer = requests.post(base + "/v1/events", json=event, headers=bearer(token), timeout=10)
    assert answer.status_code == 202, answer.text


def bra(event_id: str, to: str, message: str, about: str, minute: int) -> dict:
    return {"id": event_id, "type": "kudos.given", "time": f"2026-11-12T09:{minute:02d}:00+01:00",
            "target": {"kind": "person", "id": to, "owner": to}, "data": {"message": message, "about": about}}


KARIS_WORDS, OLAS_WORDS = "Takk for kantinemenyen, Lena", "Hemmelig til Lena: du reddet uka mi"


def test_a_giver_finds_only_their_own_entry_in_anothers_notification(served, app, world, user_token, make_key):
    """Kari and Ola each give Lena a Bra! for the same article: one notification group of Lena's.
    Kari's copy of it holds her own entry and words, never Ola's (his id or his message)."""
    post(served, user_token("kari"), bra("bra-kari", "lena", KARIS_WORDS, "article:meny", 1))
    post(served, user_token("ola"), bra("bra-ola", "lena", OLAS_WORDS, "article:meny", 2))
    drain(app, ("ledger", "recognition", "notifications"))
    lena = table(get(served, "/v1/me/data", user_token("lena")).json(), "engagement_notifications")["rows"]
    group = next(r for r in lena if r["ref"] == "article:meny")
    assert sorted((a["p"], a["m"]) for a in group["actors"]) == [("kari", KARIS_WORDS), ("ola", OLAS_WORDS)]
    for path, reader in (("/v1/me/data", user_token("kari")),  # her own read, and the officer's for her
                         ("/v1/people/kari/data", make_key("privacy:read"))):
        body = get(served, path, reader).json()
        assert OLAS_WORDS not in json.dumps(body, ensure_ascii=False), path
        seen = [r for r in table(body, "engagement_notifications")["rows"] if r["ref"] == "article:meny"]
        assert [(r["person"], r["actors"]) for r in seen] == [("lena", [{"p": "kari", "at": "2026-11-12T08:01:00",
                                                                         "m": KARIS_WORDS}])]
        assert "last_at" not in seen[0]  # when the group last changed would tell when Ola gave his
    csv_text = get(served, "/v1/me/data?format=csv", user_token("kari")).text
    assert OLAS_WORDS not in csv_text and KARIS_WORDS in csv_text
    ola = get(served, "/v1/me/data", user_token("ola")).json()
    assert KARIS_WORDS not in json.dumps(ola, ensure_ascii=False)


REASON = "Lena mener dette er et personangrep"


def report(event_id: str, idea_id: str) -> dict:
    return {"id": event_id, "type": "content.reported", "time": "2026-11-12T14:07:00+01:00",
            "target": {"kind": "idea", "id": idea_id, "owner": "kari"}, "data": {"reason": REASON}}


def test_the_author_learns_only_that_their_idea_was_reported(served, app, world, campaign, user_token, make_key):
    """Lena reports Kari's idea, and one Tillit has not seen yet (parked until it comes): a report
    is the reporter's and the moderators'. Kari's copy says an idea of hers was reported and on
    which day; never by whom (no actor, sender or event id, which carries Lena's id) nor why."""
    post(served, user_token("kari"), {"id": "submit-i-1", "type": "idea.submitted", "time": "2026-11-12T09:00:00Z",
                                      "target": {"kind": "idea", "id": "i-1", "owner": "kari"},
                                      "data": {"campaign_id": "canteen", "title": "Salatbar", "text": ""}})
    drain(app, ("ledger", "ideas"))
    post(served, user_token("lena"), report("rep-1", "i-1"))
    post(served, user_token("lena"), report("rep-9", "i-9"))  # an idea not seen yet: the report waits
    # the intranet's back end sends one for Lena under an id it made from the author's: found for Kari too
    post(served, world, {**report("report-kari-i-1", "i-1"), "actor": "lena", "time": "2026-11-12T15:00:00+01:00"})
    drain(app, ("ledger", "ideas", "notifications", "trust", "awards"))
    for answer in (get(served, "/v1/me/data", user_token("kari")).json(),
                   get(served, "/v1/people/kari/data", make_key("privacy:read")).json()):
        text = json.dumps(answer, ensure_ascii=False)
        assert REASON not in text and not forms.word("lena").search(text)
        reported = [r for r in table(answer, "engagement_ledger")["rows"] if r["type"] == "content.reported"]
        assert reported == [{"type": "content.reported", "target_kind": "idea", "target_id": i, "target_owner": "kari",
                             "reported_on": "2026-11-12"} for i in ("i-1", "i-9", "i-1")]
        assert table(answer, "engagement_parked_events")["rows"] == []
        assert table(answer, "engagement_abuse_reports")["rows"] == []
    assert REASON not in get(served, "/v1/me/data?format=csv", user_token("kari")).text
    lena = get(served, "/v1/me/data", user_token("lena")).json()  # the reporter has her reports in full
    own = [r for r in table(lena, "engagement_ledger")["rows"] if r["type"] == "content.reported"]
    assert [(r["actor"], r["data"]["reason"]) for r in own] == [("lena", REASON)] * 3
    assert [r["reason"] for r in table(lena, "engagement_abuse_reports")["rows"]] == [REASON] * 2
    assert [json.loads(r["payload"])["data"]["reason"] for r in table(lena, "engagement_parked_events")["rows"]] \
        == [REASON]
