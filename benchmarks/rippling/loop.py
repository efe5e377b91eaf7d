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
    """The floor: the same HTTP calls from a bare requests loop. Pages are read one after the other, as the
    engine reads them; each page's POSTs go `in_flight` at a time (1: one after the other)."""
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

    calls = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    token = session().post(visma.config["token_url"], timeout=30, data={
        "grant_type": "client_credentials", "client_id": visma.credentials["client_id"],
        "client_secret": visma.credentials["client_secret"], "tenant_id": visma.credentials["tenant_id"],
        "scope": visma.config.get("scope", "")}).json()["access_token"]
    calls += 1
    read_headers = {"Authorization": f"Bearer {rippling.credentials['api_key']}", "Accept": "application/json"}
    write_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    session().get(f"{rippling_base}/departments/", headers=read_headers, timeout=30,
                  params={"limit": RIPPLING_PAGE_CAP, "order_by": "created_at"}).raise_for_status()
    calls += 1

    def post(worker: dict) -> None:
        created = session().post(f"{visma_base}/v1/employee", json=employee_body(worker, bench.department_map),
                                 headers=write_headers, timeout=30)
        if created.status_code != 201:
            raise AssertionError(f"baseline POST answered {created.status_code}: {created.text[:300]}")

    url = f"{rippling_base}/workers/"
    params: dict | None = {"limit": RIPPLING_PAGE_CAP, "expand": "user", "order_by": "created_at"}
    posted = 0
    with ThreadPoolExecutor(max_workers=max(1, in_flight)) as pool:
        while url:
            response = session().get(url, params=params, headers=read_headers, timeout=30)
            response.raise_for_status()
            calls += 1
            page = response.json()
            if in_flight > 1:
                list(pool.map(post, page["results"]))
            else:
                for worker in page["results"]:
                    post(worker)
            posted += len(page["results"])
            calls += len(page["results"])
            url, params = page.get("next_link"), None
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    traffic = sandbox_traffic(sandbox)
    assert posted == bench.workers == sandbox.tables("visma")["employees"]
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "employees": posted, "records_per_s": posted / seconds,
            "http_calls": calls, "in_flight": in_flight, "traffic": traffic}
