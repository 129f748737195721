"""The monthly lottery: which month, how many winners, who is left out (engagement/lottery/api.py)."""
from __future__ import annotations

from marshmallow import fields, validate

from engagement.lottery.draw import MAX_WINNERS
from engagement.schemas.common import Query
from engagement.schemas.events import IDENTIFIER, Strict
from engagement.schemas.patterns import MONTH_HELP, MONTH_PATTERN, FullMatch


class MonthQuery(Query):
    month = fields.String(validate=FullMatch(MONTH_PATTERN, error=MONTH_HELP), metadata={
        "description": "YYYY-MM; this month (in ENGAGEMENT_TIMEZONE) when left out"})


class PersonPath(Strict):
    person = fields.String(required=True, validate=IDENTIFIER)


class DrawBody(Strict):
    winners = fields.Integer(required=True, strict=True, validate=validate.Range(
        1, MAX_WINNERS, error=f"A whole number from 1 to {MAX_WINNERS}."), metadata={
        "description": "How many people to draw; fewer are drawn when fewer hold tickets"})


class ExclusionBody(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "description": "Why, for the other leaders (\"runs the lottery\")"})


class CommitmentFields(Strict):
    commitment = fields.String(allow_none=True, required=True, metadata={
        "description": "SHA-256 (hex) of the month's seed, published before the month ended; null if none was"})
    committed_at = fields.String(allow_none=True, required=True)


class MyTicketsSchema(CommitmentFields):
    month = fields.String(required=True)
    period = fields.String(required=True, metadata={"description": "future, running or ended"})
    tickets = fields.Integer(required=True)
    cap = fields.Integer(required=True)
    parts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "base, recognised, ideas: what each part of the rule gave"})
    frozen = fields.Boolean(required=True, metadata={
        "description": "The month has ended and its tickets are frozen: nothing sent later changes them"})
    recognisers = fields.Integer(metadata={
        "description": "While the month runs: colleagues who recognised you one way, outside any closed circle"})
    idea_owners = fields.Integer(metadata={"description": "While the month runs: colleagues whose ideas you built on"})
    next = fields.List(fields.Dict(), required=True, metadata={
        "description": "What earns the next ticket: {kind: contribute} or {kind: recognisers|ideas, more: n}; "
                       "empty at the cap and once the month is frozen"})
    eligible = fields.Boolean(required=True)
    why_not = fields.String(allow_none=True, required=True, metadata={
        "description": "opted_out, excluded, inactive or unknown: why you cannot be drawn"})
    draw = fields.Dict(allow_none=True, required=True, metadata={
        "description": "Once drawn: drawn_at, won, tickets, first_ticket, last_ticket, total_tickets"})


class LotteryMonthSchema(CommitmentFields):
    month = fields.String(required=True)
    period = fields.String(required=True)
    rule = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    drawable = fields.Boolean(required=True)
    why_not_drawable = fields.String(allow_none=True, required=True, metadata={
        "description": "drawn, not_over or no_commitment"})
    draw = fields.Dict(allow_none=True, required=True, metadata={
        "description": "drawn_at, seed, total_tickets, people, winners_asked, digest, algorithm, and winners "
                       "(place, person, name, ticket, first_ticket, last_ticket)"})


class ExclusionSchema(Strict):
    person = fields.String(required=True)
    name = fields.String(required=True)
    reason = fields.String(required=True)
    added_at = fields.String(required=True)
    added_by = fields.String(required=True)


class ExclusionsSchema(Strict):
    people = fields.List(fields.Nested(ExclusionSchema), required=True)
