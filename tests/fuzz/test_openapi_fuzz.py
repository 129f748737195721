"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis): whatever the
request, no 5xx, and every answer matches the schema the document gives for it."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from engagement.auth import SCOPES, create_api_key
from engagement.state import state
from engagement.workers import ConsumerThreads

pytestmark = [pytest.mark.slow]
EXAMPLES = int(os.environ.get("TILLIT_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def checks_for(path: str) -> list:
    """Readiness answers a documented 503 while a read model is not being applied (it tells the
    truth about other threads, not about the request): its answers are checked against the
    document, and no 5xx is allowed anywhere else."""
    return CHECKS[1:] if path == "/readyz" else CHECKS


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_errors_and_answers_as_documented(app):
    app.config.update(ENGAGEMENT_RATE_LIMIT_KEY="off", ENGAGEMENT_RATE_LIMIT_USER="off")
    with app.app_context():
        key = create_api_key(state(app).db.session, "fuzz", list(SCOPES))
        state(app).db.session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    tried = []
    consumers = ConsumerThreads(app).start()  # as `engagement consume` beside it: /readyz is ready, not a 503
    try:
        for operation in operations(app):
            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def fuzz(case):
                case.call_and_validate(headers=headers, checks=checks_for(case.operation.path))
            fuzz()
            tried.append(operation.label)
    finally:
        consumers.stop()
    assert len(tried) >= 30, tried
