"""/healthz: 200 with every part named when all is well, 503 naming the part that fails; no auth needed."""
import time
from unittest import mock

import pytest
from django.core.cache import cache

from mlconnector.health import BEAT_KEY, WORKERS_KEY, beat_heartbeat_write
from syncs.tasks import beat_heartbeat
from tests.support.worker import celery_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy_parts():
    beat_heartbeat_write()
    cache.set(WORKERS_KEY, 2, timeout=30)  # as a ping answered by two workers a moment ago


def test_it_answers_200_naming_each_part_when_all_is_well(client, healthy_parts):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "beat", "workers"}
    assert body["checks"]["workers"]["count"] == 2
    assert body["checks"]["beat"]["age_seconds"] < 5


def test_it_answers_503_when_the_database_is_down(client, healthy_parts):
    with mock.patch("mlconnector.health.connection.cursor", side_effect=OSError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert "connection refused" in response.json()["checks"]["database"]["error"]


def test_it_answers_503_when_the_broker_is_unreachable(client, healthy_parts):
    from kombu import Connection

    from mlconnector.celery import app

    with mock.patch.object(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_it_answers_503_when_beats_heartbeat_is_stale_or_missing(client, healthy_parts, settings):
    cache.set(BEAT_KEY, time.time() - settings.BEAT_STALE_SECONDS - 5, timeout=None)
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.json()["failing"] == ["beat"]
    cache.delete(BEAT_KEY)
    assert client.get("/healthz").json()["checks"]["beat"]["error"] == "beat has written no heartbeat yet"


def test_it_answers_503_when_no_worker_answers_and_caches_the_ping(client, healthy_parts, settings):
    cache.delete(WORKERS_KEY)
    settings.HEALTH_PING_TIMEOUT = 0.3
    with mock.patch("mlconnector.celery.app.control.inspect") as inspect:
        inspect.return_value.ping.return_value = None
        first = client.get("/healthz")
        client.get("/healthz")
    assert first.status_code == 503 and first.json()["failing"] == ["workers"]
    assert inspect.call_count == 1  # the second request read the cached count: cheap for a load balancer


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_the_ping_and_writes_beats_heartbeat(client, settings):
    cache.delete(WORKERS_KEY)
    cache.delete(BEAT_KEY)
    settings.HEALTH_PING_TIMEOUT = 2.0
    with celery_worker() as queue:
        beat_heartbeat.apply_async(queue=queue)  # the worker writes the heartbeat, as beat would have it do
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            cache.delete(WORKERS_KEY)
            body = client.get("/healthz").json()
            if not body["failing"]:
                break
            time.sleep(0.5)
    assert body["failing"] == [], body
    assert body["checks"]["workers"]["count"] >= 1
