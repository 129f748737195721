"""Fixtures shared by the unit tests: the campaign tests' and where the read models run."""
from __future__ import annotations

import pytest

from tests.conftest import bearer


@pytest.fixture(autouse=True)
def consumers_applied_by_the_tests(monkeypatch):
    """Every app a unit test makes, also those with settings of their own: the test applies events
    itself (``drain``), so no consumer threads start on its requests (ENGAGEMENT_CONSUMERS=external)."""
    monkeypatch.setenv("ENGAGEMENT_CONSUMERS", "external")


@pytest.fixture
def leader(user_token):
    return user_token("lena", roles=("leader",))


@pytest.fixture
def campaign(client, leader):
    response = client.post("/v1/campaigns", json={"id": "canteen", "question": "Hvordan bør kantina bli?",
                                                  "description": "Ny ordning fra januar", "team": "drift"},
                           headers=bearer(leader))
    assert response.status_code == 201, response.json
    return response.json
