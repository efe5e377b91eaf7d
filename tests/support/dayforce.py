"""Talking to the Dayforce sandbox over HTTP in tests, the way a client would."""
from __future__ import annotations

import pytest
import requests

from sandbox.vendors.dayforce import DEMO_CREDENTIALS, DEMO_NAMESPACE

NS = f"/{DEMO_NAMESPACE}/V1"


def token_for(sandbox, username: str = DEMO_CREDENTIALS["username"]) -> str:
    response = requests.post(sandbox.url + "/dayforce-auth/connect/token", data={
        "grant_type": "password", "companyId": DEMO_NAMESPACE, "username": username,
        "password": DEMO_CREDENTIALS["password"], "client_id": "Dayforce.HCMAnywhere.Client",
    }, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get(sandbox, path: str, token: str | None = None, host: str = "/dayforce", **params) -> requests.Response:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = path if path.startswith("http") else sandbox.url + host + path
    return requests.get(url, params=params, headers=headers, timeout=5, allow_redirects=False)


@pytest.fixture
def dayforce(sandbox):
    """The Dayforce sandbox, reset to its seeded company."""
    return sandbox.app["dayforce"]


@pytest.fixture
def token(sandbox):
    """A bearer token of the demo web-services user."""
    return token_for(sandbox)
