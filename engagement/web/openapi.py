"""The OpenAPI document, generated from the marshmallow schemas by apispec."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify

from engagement.schemas.api import (AcceptedSchema, CampaignCreateSchema, CampaignUpdateSchema,
                                    PersonRecognitionSchema, ProblemSchema, ReadinessSchema,
                                    TargetCountsSchema, TargetListSchema, TargetQuerySchema)
from engagement.schemas.directory import DirectorySyncSchema, SyncReportSchema
from engagement.schemas.events import EVENT_TYPES, EventSchema
from engagement.schemas.query import (AuditQuery, CampaignListQuery, FeedQuery, IdeaListQuery,
                                      LeaderboardQuery, ReportQueueQuery, TrendQuery)
from engagement.schemas.notifications import (FeedSchema, MarkedSchema, MarkReadSchema, PreferencesSchema,
                                              UnreadSchema)
from engagement.schemas.trust import AuditSchema, TrustReportSchema, TrustTrendSchema

PROBLEM = {"content": {"application/problem+json": {"schema": "Problem"}}}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/v1/openapi.json", "openapi", serve_spec)


def serve_spec():
    """This document."""
    return jsonify(build_spec())


@lru_cache(maxsize=1)
def build_spec() -> dict:
    spec = APISpec(title="Tillit engagement API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()], info={"description": _description()})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "description":
                                               "An API key (tlt_...) or a user token (HS256 JWT)."})
    for data_schema in {spec_[0] for spec_ in EVENT_TYPES.values()}:
        spec.components.schema(data_schema.__name__, schema=data_schema)
    spec.components.schema("Event", schema=EventSchema)
    spec.components.schema("Accepted", schema=AcceptedSchema)
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.schema("Readiness", schema=ReadinessSchema)
    spec.path("/v1/events", operations={"post": _ingest_operation(
        "Send one event", {"$ref": "#/components/schemas/Event"})})
    spec.path("/v1/events/batch", operations={"post": _ingest_operation(
        "Send a batch of events; all are accepted or none",
        {"type": "object", "required": ["events"], "additionalProperties": False, "properties": {
            "events": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Event"}}}})})
    _reading_paths(spec)
    spec.path("/healthz", operations={"get": {"summary": "Liveness", "responses": {"200": {
        "description": "The process answers"}}}})
    spec.path("/readyz", operations={"get": {"summary": "Readiness and consumer lag", "responses": {
        "200": {"description": "Ready", "content": {"application/json": {"schema": "Readiness"}}},
        "503": {"description": "Not ready", "content": {"application/json": {"schema": "Readiness"}}}}}})
    return spec.to_dict()


def _reading_paths(spec: APISpec) -> None:
    for name, schema in (("TargetCounts", TargetCountsSchema), ("TargetList", TargetListSchema),
                         ("PersonRecognition", PersonRecognitionSchema), ("DirectorySync", DirectorySyncSchema),
                         ("SyncReport", SyncReportSchema)):
        spec.components.schema(name, schema=schema)
    param = _path_parameter
    spec.path("/v1/targets", operations={"get": _read_operation(
        "Counts for up to 200 targets, with liked_by_me for the token's person", "TargetList",
        [{"name": "t", "in": "query", "required": True, "description": "kind:id, repeated",
          "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
         {"name": "viewer", "in": "query", "schema": {"type": "string"},
          "description": "With an API key that has events:write: whose liked_by_me to answer (403 otherwise)"}])})
    spec.components.schema("TargetQuery", schema=TargetQuerySchema)
    query = _read_operation("The same counts for a list too long for a URL (up to 200 targets), as JSON",
                            "TargetList", [])
    query["requestBody"] = {"required": True, "content": {"application/json": {"schema": "TargetQuery"}}}
    query["responses"].update({str(code): {"description": text, **PROBLEM} for code, text in (
        (400, "Body is not JSON"), (415, "Not application/json"))})
    spec.path("/v1/targets/query", operations={"post": query})
    spec.path("/v1/targets/{kind}/{target_id}", operations={"get": _read_operation(
        "Counts for one target", "TargetCounts", [param("kind"), param("target_id")])})
    spec.path("/v1/people/{person}/recognition", operations={"get": _read_operation(
        "A person's recognition (a user token sees only its own)", "PersonRecognition", [param("person")])})
    spec.path("/v1/teams/{team_id}/recognition", operations={"get": _read_operation(
        "Recognition per team, by the team of each event's moment; a team ever below the minimum group "
        "size is counted in its parent unit and answers no numbers", None, [param("team_id")])})
    sync = _read_operation("Sync the directory (scope directory:write); all or nothing", "SyncReport", [])
    sync["requestBody"] = {"required": True, "content": {"application/json": {"schema": "DirectorySync"}}}
    spec.path("/v1/directory/sync", operations={"post": sync})
    spec.components.schema("CampaignCreate", schema=CampaignCreateSchema)
    spec.components.schema("CampaignUpdate", schema=CampaignUpdateSchema)
    create = _read_operation("Open a campaign (a leader's token, or awards:manage)", None, [])
    create["requestBody"] = {"required": True, "content": {"application/json": {"schema": "CampaignCreate"}}}
    create["responses"]["201"] = create["responses"].pop("200")
    spec.path("/v1/campaigns", operations={"get": _read_operation(
        "Campaigns, newest first, a page at a time", None, [{"in": "query", "schema": CampaignListQuery}]),
        "post": create})
    change = _read_operation("Close, archive or reopen (the owner leader, or awards:manage)", None,
                             [param("campaign_id")])
    change["requestBody"] = {"required": True, "content": {"application/json": {"schema": "CampaignUpdate"}}}
    spec.path("/v1/campaigns/{campaign_id}", operations={"get": _read_operation(
        "The question and a page of its ideas by support or newest", None,
        [param("campaign_id"), {"in": "query", "schema": IdeaListQuery}]),
        "patch": change})
    spec.path("/v1/campaigns/{campaign_id}/summary", operations={"get": _read_operation(
        "For leaders: ideas by support, participation, unanswered ideas", None, [param("campaign_id")])})
    month = param("month")
    spec.path("/v1/people/{person}/profile-completion", operations={"get": _read_operation(
        "A person's profile completion and next best step (?lang=); their own token, events:write or reports:read",
        None, [param("person")])})
    spec.path("/v1/teams/{team_id}/profile-completion", operations={"get": _read_operation(
        "Profile completion of a team (with the small teams folded into it) or of a unit's shown groups "
        "(?subunits=true); no numbers below the minimum group size",
        None, [param("team_id")])})
    spec.path("/v1/awards/{month}/leaderboard", operations={"get": _read_operation(
        "Live top list (?category=&n=), never a bottom list", None, [month, {"in": "query", "schema": LeaderboardQuery}])})
    spec.path("/v1/awards/{month}", operations={"get": _read_operation(
        "The month's result, provisional or final (leaders, awards:manage)", None, [month])})
    final = _read_operation("Finalise and freeze the month (leaders, awards:manage)", None, [month])
    final["responses"]["201"] = final["responses"].pop("200")
    final["responses"]["409"] = {"description": "Not over, still counting, or final already", **PROBLEM}
    spec.path("/v1/awards/{month}/finalise", operations={"post": final})
    spec.path("/v1/awards/{month}/announcement", operations={"get": _read_operation(
        "The announcement as Markdown or HTML (?lang=nb|nn|da|en&format=markdown|html)", None, [month])})
    spec.path("/v1/moderation/reports", operations={"get": _read_operation(
        "Reported items awaiting a decision, a page at a time (moderation:manage)", None,
        [{"in": "query", "schema": ReportQueueQuery}])})
    _trust_paths(spec)
    _notification_paths(spec)


def _trust_paths(spec: APISpec) -> None:
    for name, schema in (("TrustReport", TrustReportSchema), ("TrustTrend", TrustTrendSchema), ("Audit", AuditSchema)):
        spec.components.schema(name, schema=schema)
    query = [{"name": n, "in": "query", "schema": {"type": "string"}, "description": d} for n, d in (
        ("period", "YYYY-MM, 30d (default) or 90d"), ("lang", "nb (default), nn, da or en"),
        ("unit", "Only this team's subtree"), ("flag", "Only teams with this flag"), ("format", "json or csv"))]
    report = _read_operation("Trust signals and flags per team (trust:read, or the communications role); "
                             "every view is audited", "TrustReport", query)
    report["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    spec.path("/v1/trust/report", operations={"get": report})
    spec.path("/v1/trust/teams/{team_id}/trend", operations={"get": _read_operation(
        "Month by month for one team or the unit it is folded into (?months=12&until=YYYY-MM)", "TrustTrend",
        [_path_parameter("team_id"), {"in": "query", "schema": TrendQuery}])})
    spec.path("/v1/trust/audit", operations={"get": _read_operation(
        "Who viewed the trust report, newest first (audit:read; ?limit=100)", "Audit", [{"in": "query", "schema": AuditQuery}])})
    erase = _read_operation("Erase a person who left from the directory, every read model and the ledger "
                            "(directory:write)", None, [_path_parameter("person")])
    spec.path("/v1/directory/people/{person}/erase", operations={"post": erase})


def _notification_paths(spec: APISpec) -> None:
    for name, schema in (("Feed", FeedSchema), ("Unread", UnreadSchema), ("MarkRead", MarkReadSchema),
                         ("Marked", MarkedSchema),
                         ("Preferences", PreferencesSchema)):
        spec.components.schema(name, schema=schema)
    person = {"name": "person", "in": "query", "schema": {"type": "string"},
              "description": "With an API key (events:write): whose; a user token is always its own"}
    spec.path("/v1/notifications", operations={"get": _read_operation(
        "The feed, newest first and grouped (?page=&per_page=&lang=)", "Feed",
        [person, {"in": "query", "schema": FeedQuery}])})
    spec.path("/v1/notifications/unread-count", operations={"get": _read_operation(
        "Unread groups: what the bell shows", "Unread", [person])})
    read = _read_operation("Mark groups read, or all", "Marked", [person])
    read["requestBody"] = {"required": True, "content": {"application/json": {"schema": "MarkRead"}}}
    change = _read_operation("Change the e-mail digest and quiet hours", "Preferences", [person])
    change["requestBody"] = {"required": True, "content": {"application/json": {"schema": "Preferences"}}}
    spec.path("/v1/notifications/read", operations={"post": read})
    spec.path("/v1/notifications/preferences", operations={
        "get": _read_operation("E-mail digest and quiet hours", "Preferences", [person]), "put": change})
    token = [{"name": "token", "in": "query", "required": True, "schema": {"type": "string"},
              "description": "The signed token from the digest's link"}]
    page = {"200": {"description": "An HTML page", "content": {"text/html": {}}},
            "400": {"description": "The link is not valid", "content": {"text/html": {}}},
            "410": {"description": "The link has expired or was revoked; nothing changed",
                    "content": {"text/html": {}}}}
    spec.path("/v1/notifications/unsubscribe", operations={
        "get": {"summary": "The unsubscribe page from a digest (no login)", "parameters": token, "responses": page},
        "post": {"summary": "Unsubscribe: no more e-mail (RFC 8058 one-click too)", "parameters": token,
                 "responses": page}})
    spec.path("/v1/notifications/unsubscribe/revoke", operations={"post": _read_operation(
        "Revoke every unsubscribe link mailed so far (turning e-mail on again does it too)", None, [person])})


def _path_parameter(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _read_operation(summary: str, schema: str | None, parameters: list[dict]) -> dict:
    body = {"application/json": {"schema": schema}} if schema else {"application/json": {}}
    return {"summary": summary, "security": [{"bearer": []}], "parameters": parameters, "responses": {
        "200": {"description": "OK", "content": body},
        "304": {"description": "Not modified (If-None-Match)"},
        **{str(code): {"description": text, **PROBLEM} for code, text in (
            (401, "No or bad credentials"), (403, "Not allowed"), (422, "Invalid parameters"))}}}


def _ingest_operation(summary: str, body_schema: dict) -> dict:
    problems = {str(code): {"description": text, **PROBLEM} for code, text in (
        (400, "Body is not JSON"), (401, "No or bad credentials"), (403, "Not allowed"),
        (413, "Body too large"), (415, "Not application/json"), (422, "Invalid events, by index and field"),
        (503, "The bus did not confirm; retry with the same ids after Retry-After"))}
    return {"summary": summary, "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body_schema}}},
            "responses": {"202": {"description": "Durable", "content": {
                "application/json": {"schema": "Accepted"}}}, **problems}}


def _description() -> str:
    lines = ["Events in, recognition out. `data` depends on `type`:", ""]
    lines += [f"- `{name}`: schema `{spec[0].__name__}`" for name, spec in EVENT_TYPES.items()]
    return "\n".join(lines)
