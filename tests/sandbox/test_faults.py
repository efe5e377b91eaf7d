"""Faults the sandboxes inject, before or after applying a request, set in-process or over HTTP."""
import re
import time

import pytest
import requests

from sandbox.vendors import SANDBOXES
from tests.support.visma_api import Api, api, new_employee, visma  # noqa: F401  (api, visma: fixtures)
from tests.support.worker import wait_for


def employee_numbers(visma) -> set[str]:
    return {e["employeeNumber"] for e in visma.data.tables["employees"].ordered()[0]}


def control(sandbox, path, body=None):
    response = requests.post(f"{sandbox.url}/_sandbox/{path}", json=body or {}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def api_route(vendor) -> tuple[str, str]:
    """(method, path) of one of the vendor's API routes, which faults and rate limits apply to."""
    for rule in vendor.url_map.iter_rules():
        if not any(rule.rule.startswith(p) for p in vendor.unthrottled_paths):
            path = re.sub(r"<any\((\w+)[^>]*>", r"\1", rule.rule)  # Visma's <any(employee):resource>
            path = re.sub(r"<int:\w+>", "1", path)
            return sorted(rule.methods - {"HEAD", "OPTIONS"})[0], re.sub(r"<[^>]+>", "x", path)
    raise AssertionError(f"{vendor.name} has no API route")


def test_a_5xx_before_applying_leaves_the_write_undone(api, visma, sandbox):
    control(sandbox, "visma/faults", {"error_ratio": 1.0, "error_status": 502})

    response = api.post("v1/employee", new_employee())

    assert response.status_code == 502
    assert "5001" not in employee_numbers(visma)
    assert sandbox.app.log.filter(vendor="visma", method="POST")[-1].fault == "error"


def test_a_5xx_after_applying_answers_an_error_for_a_done_write(api, visma, sandbox):
    control(sandbox, "visma/faults", {"error_after_next": 1})

    first = api.post("v1/employee", new_employee())
    again = api.post("v1/employee", new_employee())

    assert first.status_code == 503 and "5001" in employee_numbers(visma)
    assert again.status_code == 400 and "already exists" in again.json()["ExceptionMessage"]
    refused = sandbox.app.log.filter(vendor="visma", method="POST", status=400, answer_contains="already exists")
    assert len(refused) == 1  # what the chaos tests count as a create refused as a duplicate


def test_error_after_applies_to_writes_only(api, visma, sandbox):
    visma.faults.error_after_ratio = 1.0

    assert api.get("v1/employee").status_code == 200
    assert api.post("v1/employee", new_employee()).status_code == 503
    assert "5001" in employee_numbers(visma)


def test_apply_then_no_answer_holds_the_connection_until_the_client_gives_up(api, visma, sandbox):
    control(sandbox, "visma/faults", {"hang_after_next": 1, "hang_seconds": 1.5})
    assert api.get("v1/employee").status_code == 200  # reads are not what the queue waits for

    started = time.monotonic()
    with pytest.raises((requests.Timeout, requests.ConnectionError)):
        requests.post(api.base + "v1/employee", json=new_employee(), headers=api.headers, timeout=0.5)

    assert time.monotonic() - started < 1.4  # the client's timeout, not the sandbox, ended the wait
    assert "5001" in employee_numbers(visma)  # …and yet the employee exists
    # The sandbox logs the request once it has let go of the connection.
    posted = wait_for(lambda: sandbox.app.log.filter(vendor="visma", method="POST", path_contains="/v1/employee"),
                      timeout=5, message="the hung POST to be logged")
    assert [(e.status, e.fault) for e in posted] == [(201, "hang_after")]
    assert api.post("v1/employee", new_employee(employeeCd={"value": "5002"})).status_code == 201  # one-shot


def test_apply_later_holds_a_write_unanswered_and_applies_it_only_after_the_delay(api, visma, sandbox):
    control(sandbox, "visma/faults", {"apply_later_next": {"count": 1, "seconds": 1.0}})

    with pytest.raises((requests.Timeout, requests.ConnectionError)):
        requests.post(api.base + "v1/employee", json=new_employee(), headers=api.headers, timeout=0.3)

    assert "5001" not in employee_numbers(visma)  # a lookup made now finds nothing…
    wait_for(lambda: "5001" in employee_numbers(visma), timeout=5, message="the late write to be applied")
    posted = wait_for(lambda: sandbox.app.log.filter(vendor="visma", method="POST", path_contains="/v1/employee"),
                      timeout=5, message="the late POST to be logged")
    assert [(e.status, e.fault) for e in posted] == [(201, "apply_later")] and visma.faults.injected == {
        "apply_later": 1}
    assert api.post("v1/employee", new_employee(employeeCd={"value": "5002"})).status_code == 201  # one-shot


def test_apply_then_no_answer_by_ratio_closes_without_an_answer(api, visma, sandbox):
    visma.faults.hang_after_ratio = 1.0
    visma.faults.hang_seconds = 0.2

    with pytest.raises(requests.ConnectionError):  # the socket is closed with nothing sent
        requests.post(api.base + "v1/employee", json=new_employee(), headers=api.headers, timeout=5)

    assert "5001" in employee_numbers(visma)
    assert visma.faults.injected == {"hang_after": 1}


def test_a_429_storm_is_a_burst_of_consecutive_429s_with_retry_after(api, visma, sandbox):
    control(sandbox, "visma/faults", {"storm_ratio": 1.0, "storm_length": 4, "storm_retry_after": 3})
    first = api.get("v1/employee")
    control(sandbox, "visma/faults", {"storm_ratio": 0})  # no new storm; the one started goes on

    rest = [api.get("v1/employee") for _ in range(4)]

    statuses = [first.status_code] + [r.status_code for r in rest]
    assert statuses == [429, 429, 429, 429, 200]
    assert first.headers["Retry-After"] == "3"
    assert "Rate limit is exceeded" in first.json()["message"]  # Visma's own 429 body
    assert visma.faults.injected["storm"] == 4


def test_a_queued_429_storm_refuses_writes_without_applying_them(api, visma, sandbox):
    control(sandbox, "visma/faults", {"storm_next": {"count": 2, "retry_after": 1}})

    answers = [api.post("v1/employee", new_employee()).status_code for _ in range(3)]

    assert answers == [429, 429, 201]
    assert len([e for e in visma.data.tables["employees"].ordered()[0] if e["employeeNumber"] == "5001"]) == 1


def test_latency_slows_the_api_but_not_the_token_endpoint(api, visma, sandbox):
    control(sandbox, "faults", {"visma": {"latency_ms": 300}})

    started = time.monotonic()
    assert api.get("v1/employee").status_code == 200
    slow = time.monotonic() - started
    started = time.monotonic()
    Api(sandbox)  # a token
    fast = time.monotonic() - started

    assert slow >= 0.3 and fast < 0.3


def test_unknown_fault_settings_are_refused(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/visma/faults", json={"eror_ratio": 1}, timeout=5)

    assert response.status_code == 400 and "eror_ratio" in response.json()["message"]


@pytest.mark.parametrize("vendor_class", SANDBOXES, ids=lambda cls: cls.name)
def test_every_vendor_takes_the_shared_faults(vendor_class, sandbox):
    vendor = sandbox.app[vendor_class.name]
    method, path = api_route(vendor)
    url = f"{sandbox.url}{vendor.prefix}{path}"
    normal = requests.request(method, url, timeout=5).status_code

    control(sandbox, "faults", {"*": {"latency_ms": 150, "error_ratio": 1.0, "error_status": 504}})
    started = time.monotonic()
    faulted = requests.request(method, url, timeout=5).status_code

    assert normal != 504 and faulted == 504
    assert time.monotonic() - started >= 0.15
    assert sandbox.app.log.filter(vendor=vendor.name)[-1].fault == "error"


def test_the_log_can_be_counted_from_another_process(api, sandbox):
    api.post("v1/employee", new_employee())
    api.post("v1/employee", new_employee())

    count = requests.get(f"{sandbox.url}/_sandbox/log/count", timeout=5, params={
        "vendor": "visma", "method": "POST", "status": 400, "answer_contains": "already exists"}).json()

    assert count == {"count": 1}


def test_stats_tell_another_process_how_many_requests_were_in_flight_and_the_table_sizes(api, visma, sandbox):
    from concurrent.futures import ThreadPoolExecutor

    control(sandbox, "log/clear")
    visma.faults.latency_ms = 300
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: api.get("v1/employee"), range(3)))

    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()

    assert stats["in_flight_peak"] == 3
    assert stats["tables"]["visma"]["employees"] == len(visma.data.tables["employees"])
    assert stats["tables"]["rippling"]["workers"] == len(sandbox.app["rippling"].data["workers"])
