"""The floor the engine is compared with: the same HTTP calls from a bare `requests` loop."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from benchmarks.rippling.bench import (EMPLOYEE_DEFAULTS, RIPPLING_PAGE_CAP, VISMA_EMPTY, Bench,
                                       sandbox_traffic)


def employee_body(worker: dict, department_map: dict) -> dict:
    """What the flow sends for a worker with the default field mappings, built without the engine."""
    from connections.vendors.visma.schemas import wrap_values

    user = worker.get("user") or {}
    fields = {**EMPLOYEE_DEFAULTS, "employeeCd": str(int(worker["number"])),
              "contact": {"firstName": (user.get("name") or {}).get("given_name"),
                          "lastName": (user.get("name") or {}).get("family_name"),
                          "email": worker["work_email"], "title": worker.get("title")},
              "department": department_map[worker["department_id"]],
              "status": "Inactive" if worker.get("status") == "TERMINATED" else "Active"}
    fields["contact"] = {k: v for k, v in fields["contact"].items() if v is not None}
    return wrap_values(fields)


def baseline(bench: Bench, *, in_flight: int = 1) -> dict:
    """The floor: the same HTTP calls from a bare requests loop, on an emptied Visma.

    `in_flight` 1: one call after the other. More: the POSTs go from a pool of that many threads, and the loop
    has the engine's shape: the next worker page is read while this page's POSTs run, and its POSTs are queued
    as soon as it is read (the pool is not left to drain between pages); at most one page is read ahead. Its
    peak is then `in_flight` POSTs to Visma and one Rippling read, as the engine's."""
    sandbox, integration = bench.sandbox, bench.integration
    sandbox.post("/_sandbox/visma/seed", VISMA_EMPTY)
    sandbox.post("/_sandbox/log/clear")
    rippling, visma = integration.source, integration.destination
    rippling_base, visma_base = rippling.base_url.rstrip("/"), visma.base_url.rstrip("/")
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    started, cpu_started = time.perf_counter(), time.process_time()
    token = session().post(visma.config["token_url"], timeout=30, data={
        "grant_type": "client_credentials", "client_id": visma.credentials["client_id"],
        "client_secret": visma.credentials["client_secret"], "tenant_id": visma.credentials["tenant_id"],
        "scope": visma.config.get("scope", "")}).json()["access_token"]
    read_headers = {"Authorization": f"Bearer {rippling.credentials['api_key']}", "Accept": "application/json"}
    write_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    session().get(f"{rippling_base}/departments/", headers=read_headers, timeout=30,
                  params={"limit": RIPPLING_PAGE_CAP, "order_by": "created_at"}).raise_for_status()
    calls = 2

    def post(worker: dict) -> None:
        created = session().post(f"{visma_base}/v1/employee", json=employee_body(worker, bench.department_map),
                                 headers=write_headers, timeout=30)
        if created.status_code != 201:
            raise AssertionError(f"baseline POST answered {created.status_code}: {created.text[:300]}")

    def page_read(url: str, params: dict | None) -> dict:
        response = session().get(url, params=params, headers=read_headers, timeout=30)
        response.raise_for_status()
        return response.json()

    page: dict | None = page_read(f"{rippling_base}/workers/",
                                  {"limit": RIPPLING_PAGE_CAP, "expand": "user", "order_by": "created_at"})
    posted, previous = 0, []
    with ThreadPoolExecutor(max_workers=max(1, in_flight)) as pool:
        while page is not None:
            calls += 1 + len(page["results"])
            posted += len(page["results"])
            if in_flight == 1:
                for worker in page["results"]:
                    post(worker)
            else:
                queued = [pool.submit(post, worker) for worker in page["results"]]
                for future in previous:  # one page ahead at most: the page before this one is done first
                    future.result()
                previous = queued
            page = page_read(page["next_link"], None) if page.get("next_link") else None
        for future in previous:
            future.result()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    traffic = sandbox_traffic(sandbox)
    assert posted == bench.workers == sandbox.tables("visma")["employees"]
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "employees": posted, "records_per_s": posted / seconds,
            "http_calls": calls, "writes_in_flight": in_flight, "in_flight": traffic["in_flight_peak"], "traffic": traffic}
