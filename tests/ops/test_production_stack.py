"""The Procfile stack (gunicorn, a Celery worker on the per-vendor queues, beat) run by honcho: a tenant signs
up through the API, connects the sandboxes, runs Rippling → Visma end to end, and the stack stops on SIGTERM.

On the production stack when DATABASE_URL/CELERY_BROKER_URL point at PostgreSQL and Redis (CI), else on the
embedded default (SQLite file + filesystem broker); the sandboxes are served by this test process."""
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from demo.setup import sandbox_connection_fields
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from tests.e2e.test_rippling_visma import VISMA_DEPARTMENTS, departments, employees, workers
from tests.support.stack import production_stack
from tests.support.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PASSWORD = "lantern-harbour-47"


def verification_token(address: str) -> str:
    """The sign-up mail the web process wrote under var/mail (the file backend: no SMTP here)."""
    for path in sorted(Path(settings.VAR_DIR, "mail").glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        text = path.read_text()
        if f"To: {address}" in text:
            return re.search(r"^    (\S+:\S+:\S+)$", text, re.MULTILINE).group(1)
    return ""


def signed_up_token(stack, *, username: str, email: str) -> tuple[str, str]:
    signup = stack.post("/api/v1/signup", {"username": username, "email": email, "password": PASSWORD,
                                           "company_name": "Fjord Logistics AS"})
    assert signup.status_code == 201, signup.text
    token = wait_for(lambda: verification_token(email), timeout=10, message="the verification mail")
    assert stack.post("/api/v1/signup/verify", {"token": token}).status_code == 200
    issued = stack.post("/api/v1/auth/token", {"username": username, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return signup.json()["tenant"], issued.json()["token"]


def test_it_runs_an_integration_end_to_end_and_stops_cleanly(sandbox, rippling, visma):
    rippling.seed(workers=6, departments=3)
    with production_stack(LOG_FORMAT="json") as stack:
        slug, token = signed_up_token(stack, username="solveig", email="solveig@fjord.example")
        auth = {"Authorization": f"Token {token}"}
        base = f"/api/v1/tenants/{slug}"

        connection_ids = {}
        for kind in ("rippling", "visma"):
            fields = sandbox_connection_fields(kind, sandbox.url)
            created = stack.post(f"{base}/connections", {"name": kind.title(), **fields}, headers=auth)
            assert created.status_code == 201, created.text
            connection_ids[kind] = created.json()["id"]
            tested = stack.post(f"{base}/connections/{created.json()['id']}/test", headers=auth)
            assert tested.json()["ok"], tested.text

        integration = stack.post(f"{base}/integrations", {
            "name": "HR → ERP", "flow_kind": "rippling_visma", "source": connection_ids["rippling"],
            "destination": connection_ids["visma"], "options": {"page_size": 2}}, headers=auth)
        assert integration.status_code == 201, integration.text
        integration_id = integration.json()["id"]
        for department, target in zip(departments(rippling), VISMA_DEPARTMENTS):
            mapped = stack.post(f"{base}/integrations/{integration_id}/value-mappings", {
                "map_name": DEPARTMENT_MAP, "source_value": department["id"], "target_value": target}, headers=auth)
            assert mapped.status_code in (200, 201), mapped.text

        queued = stack.post(f"{base}/integrations/{integration_id}/run", headers=auth)
        assert queued.status_code == 202, queued.text
        run_id = queued.json()["id"]

        def finished():
            run = stack.get(f"{base}/runs/{run_id}", headers=auth).json()
            return run if run["status"] not in ("queued", "running") else None

        run = wait_for(finished, timeout=40, interval=0.3, message="the run on the stack's worker")
        assert run["status"] == "succeeded", run
        assert len(employees(visma)) == len(workers(rippling)) == 6
        # The worker logs JSON lines that name the run they belong to.
        run_lines = [json.loads(line.split(" | ", 1)[1]) for line in stack.log.read_text().splitlines()
                     if " worker.1 " in line and f'"run_id": {run_id}' in line]
        assert run_lines and all(line["tenant_id"] and line["integration_id"] == integration_id for line in run_lines)

        code, left = stack.stop()
    assert left == set(), f"processes left after SIGTERM: {left}"
    assert code in (0, -15, 143), stack.log.read_text()[-3000:]
