"""Poison pages from Rippling: odd numbers stay in their record, a page that cannot be read fails the run once."""
import json

import pytest
from django.core import mail

from connections.vendors import get_vendor
from connections.vendors.base import UnreadableNumber
from connections.vendors.errors import VendorMalformed
from mlconnector.celery import app
from notifications.models import Kind, Notification
from syncs.engine import sync_run_create
from syncs.models import PendingRecord, SyncRun
from syncs.tasks import sync_run_task
from tests.e2e.test_rippling_visma import employees, map_all_departments, workers

HUGE = "9" * 5000  # past Python's 4,300-digit int limit: json.loads raises ValueError on it


def poison(page: dict) -> str:
    """The page as Rippling would send it, with 1e400 and a 5,000-digit number in its first two records."""
    page["results"][0]["number"], page["results"][1]["number"] = "__INF__", "__HUGE__"
    return json.dumps(page).replace('"__INF__"', "1e400").replace('"__HUGE__"', HUGE)


def serve_next(rippling, *bodies: str) -> None:
    for body in bodies:
        rippling.faults.fail_next(status=200, headers={"Content-Type": "application/json"}, body=body)


def first_pages(make_sandbox_connection) -> tuple[dict, dict]:
    """The first department and worker pages of a full sync of 50 per page, as the flow asks for them."""
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling", name="Peek"))
    departments = next(client.department_pages(page_size=50))
    workers_page = next(client.worker_pages(page_size=50))
    return ({"results": departments.results, "next_link": departments.next_link},
            {"results": workers_page.results, "next_link": workers_page.next_link})


def test_huge_numbers_stay_in_their_record(rippling, make_sandbox_connection):
    _, page = first_pages(make_sandbox_connection)
    served = json.loads(json.dumps(page))
    serve_next(rippling, poison(page))
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling", name="Reader"))

    read = client.get_json("workers/", params={"limit": 50})

    first, second, *rest = read["results"]
    assert isinstance(first["number"], UnreadableNumber) and first["number"] == "1e400"
    assert isinstance(second["number"], UnreadableNumber) and second["number"] == HUGE
    assert rest == served["results"][2:] and first["id"] == served["results"][0]["id"]


def test_a_poisoned_page_quarantines_two_records_and_writes_the_rest(integration, rippling, visma,
                                                                     make_sandbox_connection):
    map_all_departments(integration, rippling)
    integration.options = {"page_size": 50}
    integration.save()
    departments, page = first_pages(make_sandbox_connection)
    poisoned = [page["results"][0]["user_id"], page["results"][1]["user_id"]]
    serve_next(rippling, json.dumps(departments), poison(page))

    result = sync_run_task.apply(args=[sync_run_create(integration=integration).pk]).get()

    assert result == SyncRun.Status.PARTIAL
    quarantined = PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.QUARANTINED)
    assert sorted(quarantined.values_list("source_id", flat=True)) == sorted(poisoned)
    assert len(employees(visma)) == len(workers(rippling)) - 2


def test_a_page_that_cannot_be_parsed_fails_the_run_once_and_tells_the_owner(
        integration, rippling, visma, owner, django_capture_on_commit_callbacks):
    map_all_departments(integration, rippling)
    rippling.faults.fail_next(count=20, status=200, headers={"Content-Type": "application/json"},
                              body='{"results": [{"id": ')
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = sync_run_task.apply(args=[sync_run_create(integration=integration).pk])
    finally:
        app.conf.task_always_eager = False

    assert outcome.successful() and outcome.get() == SyncRun.Status.FAILED  # no Celery retry is queued
    run = SyncRun.objects.get()
    assert (run.error_class, run.error_vendor, run.error_status) == ("VendorMalformed", "Rippling", None)
    assert "not valid JSON 4 times in a row" in run.error_message
    assert len(rippling.faults.queued) == 20 - 4  # read four times, then given up: not retried forever
    assert Notification.objects.get().kind == Kind.RUN_FAILED
    assert "not valid JSON" in mail.outbox[0].body


def test_a_page_nested_past_the_stack_is_malformed_not_a_crash(rippling, make_sandbox_connection):
    serve_next(rippling, *["[" * 100_000] * 4)
    client = get_vendor("rippling").client_for(make_sandbox_connection("rippling"), sleep=lambda seconds: None)

    with pytest.raises(VendorMalformed) as caught:
        client.get_json("workers/", params={"limit": 50})
    assert "not valid JSON 4 times in a row" in str(caught.value) and not rippling.faults.queued
