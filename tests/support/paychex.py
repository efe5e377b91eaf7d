"""Fixtures of the Paychex tests: the sandbox vendor and tenant A's connection pointed at it."""
import pytest


@pytest.fixture
def paychex(sandbox):
    return sandbox.app["paychex"]


@pytest.fixture
def connection(make_sandbox_connection, tenant_a):
    return make_sandbox_connection("paychex", tenant=tenant_a, name="Paychex")
