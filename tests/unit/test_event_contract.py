"""The event contract: each type's rules, and errors named by field."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from engagement.ledger.service import flatten
from engagement.schemas.events import EVENT_TYPES, EventSchema
from tests.conftest import like

schema = EventSchema()


def errors_of(event: dict) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        schema.load(event)
    out: dict[str, list[str]] = {}
    for error in flatten(caught.value.messages):
        out.setdefault(error.field, []).append(error.message)
    return out


VALID = {
    "like.added": {},
    "like.removed": {},
    "comment.posted": {"comment_id": "c-1", "text": "Godt forslag!"},
    "idea.submitted": {"campaign_id": "canteen", "title": "Salad bar", "text": "Mondays"},
    "idea.contributed": {"contribution_id": "k-1", "text": "And on Fridays"},
    "idea.adopted": {"note": "Starting in January", "credited": ["kari", "ola"]},
    "idea.answered": {"status": "under_review", "note": "We are looking at it"},
    "idea.edited": {"title": "Salad bar on Mondays"},
    "contribution.edited": {"text": "And on Fridays, too"},
    "content.reported": {"reason": "Names a colleague"},
    "content.moderated": {"decision": "restored"},
    "kudos.given": {"message": "Bra!"},
    "content.published": {"content_kind": "document", "title": "Guide", "url": "https://intranet/doc"},
    "profile.updated": {"fields": {"photo": "p.jpg", "title": None}},
    "pulse.opened": {"title": "Trygghet", "units": ["drift"], "opens_at": "2026-11-23T08:00:00+00:00",
                     "closes_at": "2026-12-07T08:00:00+00:00"},
    "pulse.answered": {"team": "drift", "wording": "team", "answers": {"leader.safe_to_try": 4}},
    "lottery.drawn": {"month": "2026-11", "winners": ["kari", "ola"]},
}
TARGETS = {
    "idea.submitted": {"kind": "idea", "id": "idea-1", "owner": "kari"},
    "idea.contributed": {"kind": "idea", "id": "idea-1", "owner": "ola"},
    "idea.adopted": {"kind": "idea", "id": "idea-1", "owner": "ola"},
    "idea.answered": {"kind": "idea", "id": "idea-1", "owner": "ola"},
    "idea.edited": {"kind": "idea", "id": "idea-1", "owner": "kari"},
    "contribution.edited": {"kind": "contribution", "id": "k-1", "owner": "kari"},
    "content.reported": {"kind": "idea", "id": "idea-1", "owner": "ola"},
    "content.moderated": {"kind": "idea", "id": "idea-1", "owner": "ola"},
    "kudos.given": {"kind": "person", "id": "ola", "owner": "ola"},
    "content.published": {"kind": "document", "id": "doc-1", "owner": "kari"},
    "profile.updated": {"kind": "person", "id": "kari", "owner": "kari"},
    "pulse.opened": {"kind": "pulse", "id": "p-1", "owner": "kari"},
    "pulse.answered": {"kind": "pulse", "id": "p-1", "owner": "ola"},
    "lottery.drawn": {"kind": "lottery", "id": "2026-11", "owner": "kari"},
}


def test_every_event_type_has_a_valid_example():
    assert set(VALID) == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", sorted(VALID))
def test_valid_event_of_each_type_loads(event_type):
    event = like(type_=event_type, data=VALID[event_type])
    if event_type in TARGETS:
        event["target"] = TARGETS[event_type]
    loaded = schema.load(event)
    assert loaded["type"] == event_type
    assert loaded["schema_version"] == 1
    assert loaded["time"].tzinfo is not None


def test_time_without_offset_is_refused():
    assert "time" in errors_of(like(time="2026-11-23T10:00:00"))


def test_missing_owner_and_wrong_types_are_named():
    event = like(actor=42)
    del event["target"]["owner"]
    errors = errors_of(event)
    assert set(errors) == {"actor", "target.owner"}


def test_unknown_type_unknown_field_and_future_version():
    errors = errors_of(like(type_="like.exploded", colour="red", schema_version=9))
    assert set(errors) == {"type", "colour", "schema_version"}


def test_type_specific_data_is_checked():
    errors = errors_of(like(type_="comment.posted", data={"text": "", "extra": 1}))
    assert set(errors) == {"data.comment_id", "data.text", "data.extra"}


def test_kudos_must_target_a_person_who_owns_themselves():
    event = like(type_="kudos.given", data={})
    event["target"] = {"kind": "person", "id": "ola", "owner": "kari"}
    assert set(errors_of(event)) == {"target.owner"}
    event["target"] = {"kind": "article", "id": "ola", "owner": "ola"}
    assert set(errors_of(event)) == {"target.kind"}


def test_a_profile_can_only_be_updated_by_its_owner():
    event = like(type_="profile.updated", actor="ola", data={"fields": {"photo": "x"}})
    event["target"] = {"kind": "person", "id": "kari", "owner": "kari"}
    assert "target.owner" in errors_of(event)


def test_identifiers_are_restricted():
    assert set(errors_of(like(event_id="<script>", actor=""))) == {"id", "actor"}


ODD_VALUES = [None, 1, 1.0, True, "1", "", "x" * 129, "a\n", "-a", [], {}, "2026-11-23T09:00:00",
              "2026-11-23 09:00:00+01:00", "20261123T090000+0100", "2026-11-23T09:00:00Z", "2099-01-01T00:00:00+00:00",
              "like.added", "person", "kari", "ola", "article"]


def variants(event: dict) -> list[dict]:
    """The event, and the event with each of its fields (and its target's) gone or odd."""
    out = [event, {**event, "extra": 1}, {**event, "target": {**event["target"], "extra": "x"}}]
    for name in [*event, "schema_version", "source", "data"]:
        out.append({k: v for k, v in event.items() if k != name})
        out += [{**event, name: value} for value in ODD_VALUES]
    for name in ("kind", "id", "owner"):
        out.append({**event, "target": {k: v for k, v in event["target"].items() if k != name}})
        out += [{**event, "target": {**event["target"], name: value}} for value in ODD_VALUES]
    out += [{**event, "data": {**event.get("data", {}), "extra": 1}}, {**event, "schema_version": 2}]
    return out


def outcome(load, raw: dict):
    try:
        return "loaded", load(raw)
    except ValidationError as exc:
        return "refused", exc.messages


@pytest.mark.parametrize("person", [None, "kari"])
def test_plain_events_load_to_what_marshmallow_loads_them_to(person):
    """EventSchema takes a short path for plainly valid events (engagement.schemas.events.plain);
    for every event and odd variant of it, it answers what marshmallow alone answers."""
    from datetime import UTC, datetime

    from marshmallow import Schema
    from marshmallow.experimental.context import Context

    from engagement.errors import Forbidden
    from engagement.schemas.events import Sender, plain
    examples = []
    for event_type, data in VALID.items():
        event = like(type_=event_type, data=data, actor="kari")
        event["target"] = TARGETS.get(event_type, event["target"])
        examples.append(event)
    sender = Sender(person, datetime.now(UTC), 300, 500)
    for event in examples:
        with Context(sender):
            assert (plain(event) is None) == (person is not None)  # a user token's take marshmallow's path
        for raw in variants(event):
            with Context(sender):
                try:
                    expected = outcome(lambda r: Schema.load(schema, r), raw)
                except Forbidden:
                    with pytest.raises(Forbidden):
                        schema.load(raw)
                    continue
                assert outcome(schema.load, raw) == expected, raw
