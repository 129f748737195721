"""The EventType enum and the event contract name the same types, and the read models' handler
tables are keyed by the enum, so a type the contract gains or loses shows up here first."""
from __future__ import annotations

from marshmallow import validate

from engagement.consumers import builtin_read_models
from engagement.events import EventType
from engagement.schemas.events import EVENT_TYPES, EventSchema
from engagement.state import state


def accepted_types() -> set[str]:
    """What the contract's ``type`` field lets through."""
    (one_of,) = [v for v in EventSchema().fields["type"].validators if isinstance(v, validate.OneOf)]
    return {str(choice) for choice in one_of.choices}


def test_every_type_the_contract_accepts_is_in_the_enum_and_back():
    assert accepted_types() == {t.value for t in EventType}
    assert {str(t) for t in EVENT_TYPES} == {t.value for t in EventType}
    assert all(isinstance(t, EventType) for t in EVENT_TYPES)


def test_a_member_is_the_string_on_the_wire():
    assert EventType.LIKE_ADDED == "like.added" and f"{EventType.KUDOS_GIVEN}" == "kudos.given"
    assert {EventType.LIKE_ADDED: 1}.get("like.added") == 1  # a handler table finds a decoded type


def test_handler_tables_are_keyed_by_the_enum(app):
    for model in builtin_read_models(state(app)):
        assert model.handlers and all(isinstance(t, EventType) for t in model.handlers), model.name
