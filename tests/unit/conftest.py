"""Fixtures shared by the campaign tests."""
from __future__ import annotations

import pytest

from tests.conftest import bearer


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
