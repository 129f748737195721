"""The OpenAPI document, generated from the marshmallow schemas by apispec."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify

from schemas.api import AcceptedSchema, ProblemSchema, ReadinessSchema
from schemas.events import EVENT_TYPES, EventSchema

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
    spec.path("/healthz", operations={"get": {"summary": "Liveness", "responses": {"200": {
        "description": "The process answers"}}}})
    spec.path("/readyz", operations={"get": {"summary": "Readiness and consumer lag", "responses": {
        "200": {"description": "Ready", "content": {"application/json": {"schema": "Readiness"}}},
        "503": {"description": "Not ready", "content": {"application/json": {"schema": "Readiness"}}}}}})
    return spec.to_dict()


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
