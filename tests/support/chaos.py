"""Kill -9 chaos against a real worker, and what the sandbox shows afterwards (tests/chaos/, benchmarks/chaos.py).

Only stable entry points are used: `integration_run_now` queues a run, `syncs.tasks.sync_run_task` runs it on
a real Celery worker process, the sandbox's request log says what the vendor saw and answered. The engine's
internals are never touched, so the same harness judges today's engine and the next one.

Bringing a killed run back is the product's job (issue #9 §5, dead workers: a heartbeat, `syncs.tasks.runs_reap`
marks the run abandoned and queues its resumption). Until that exists, `run_resume` stands in for it the only
way today's code allows: it expires the dead worker's lease and queues the run again. `ChaosResult.lease_touched`
says which of the two happened, so a test can insist on the product doing it.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from django.db import transaction
from django.utils import timezone

from tests.support.kill_switch import KillSwitch
from tests.support.tally import EMPLOYEE_PATH, employees_tally
from tests.support.worker import WorkerProcess

# Run liveness (mlconnector/settings.py SYNC_*): the production defaults (15 s beats, abandoned after 60 s,
# reaped every 30 s) scaled down, for the worker's environment and for this process, where the reaper runs.
# The silence before a run counts as abandoned is most of what each kill costs; six beats long (production
# waits four), so a loaded machine's late beat does not look like a death. The lease outlives it.
DEAD_WORKER_ENV = {"SYNC_HEARTBEAT_SECONDS": "0.25", "SYNC_LEASE_TTL_SECONDS": "6",
                   "SYNC_ABANDON_AFTER_SECONDS": "1.5", "SYNC_REAP_EVERY_SECONDS": "0.5"}
UNDER_WAY = ("queued", "running")
# A run that failed on a transient error is retried by Celery (same run id), so "failed" is not the end of it;
# nor is "abandoned" (a dead worker's run, which the reaper resumes, as this run or a new attempt of it).
SETTLED = ("succeeded", "partial", "skipped")
# How long after a create a "random" kill may fall: short enough that the fastest destination moves only a
# few records on (journal postings ~300 a second: 15 at most), long enough to land anywhere in the engine's
# work between two requests.
RANDOM_KILL_WINDOW = 0.05


# --- killing and resuming ------------------------------------------------------------------------------
@dataclass
class Kill:
    mode: str  # "answered": the instant Visma applied a create, before the 201 left the sandbox; "random": a
    # random moment of the engine's work within RANDOM_KILL_WINDOW after a create
    at_employee: int  # records at the destination (Visma employees) when the worker died
    after_seconds: float


@dataclass
class ChaosResult:
    kills: list[Kill]
    resumed_by: list[str]  # "reaper" (the product) or "stand-in" (the lease expired by this harness)
    seconds: float
    run_status: str

    @property
    def lease_touched(self) -> bool:
        return "stand-in" in self.resumed_by


def reaper():
    """The product's dead-worker reaper, when the engine has one (issue #9 §5)."""
    from syncs import tasks

    return getattr(tasks, "runs_reap", None)


def run_resume(*, run_id: int) -> str:
    """Bring a run whose worker was killed back, as the product does; returns who did it."""
    from syncs.models import IntegrationLock, SyncRun
    from syncs.tasks import sync_run_task

    if reaper() is not None:
        return "reaper"  # `runs_until_finished` calls it as beat would, until the run is taken up again
    # Stand-in for the missing reaper: today a dead worker's run stays RUNNING, its lease lives 15 minutes,
    # and the broker does not hand the killed task back (filesystem: dropped; Redis: after an hour).
    run = SyncRun.objects.get(pk=run_id)
    IntegrationLock.objects.filter(integration_id=run.integration_id).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    sync_run_task.apply_async(args=[run_id])
    return "stand-in"


def attempt_saved_a_page(*, run_id: int) -> bool:
    """The run's current attempt is running and checkpointed a page since it started: the reaper's own test
    of progress (syncs/reaper.py), so a kill now does not count as a death in a row."""
    from syncs.models import Cursor, SyncRun

    run = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).values(
        "integration_id", "started_at").first()
    return bool(run and run["started_at"] and Cursor.objects.filter(
        integration_id=run["integration_id"], updated_at__gte=run["started_at"]).exists())


def runs_unfinished(integration_id: int) -> bool:
    from syncs.models import SyncRun

    return SyncRun.objects.filter(integration_id=integration_id, status__in=UNDER_WAY).exists()


def run_queue(integration):
    from syncs.services import integration_run_now

    with transaction.atomic():
        return integration_run_now(integration=integration)


def chaos_run(*, app, integration, worker: WorkerProcess, kills: int, rng: random.Random, records: int,
              between: Callable[[int], None] | None = None, timeout: float = 240.0,
              log: Callable[[str], None] = lambda line: None, write_path: str = EMPLOYEE_PATH,
              written: Callable[[], int] | None = None) -> ChaosResult:
    """Queue a run and SIGKILL its worker `kills` times, spread over the `records` creates: every other kill
    the instant Visma applied a create (a POST under `write_path`), the others at a random moment just after a
    given number of creates (`written()`: how many the destination holds, by default Visma's employees). After
    each kill, `between(kill_index)` (e.g. change the source), start the worker again and resume the run;
    then wait until the integration has no unfinished run. For journal transactions: write_path=tally.JOURNAL_PATH,
    written=lambda: len(app["visma"].data.tables["journal_transactions"]), then judge with `journal_tally`."""
    started = time.monotonic()
    switch = KillSwitch(app, worker, write_path)
    done: list[Kill] = []
    resumed_by: list[str] = []
    # One kill at a random point of each of `kills` equal stretches of the first 80 % of the records: each kill
    # waits for a saved page of the attempt before it (below), and stretches leave that page room to happen.
    stretch = records * 0.8 / kills
    targets = [max(1, int(stretch * (n + rng.uniform(0.1, 0.9)))) for n in range(kills)]
    employees = written or (lambda: len(app["visma"].data.tables["employees"]))

    run = run_queue(integration)
    worker.start()
    try:
        for n, target in enumerate(targets):
            mode = "answered" if n % 2 == 0 else "random"
            unfinished = lambda: not run_settled(integration_id=integration.pk, run_id=run.pk)  # noqa: E731
            # Each death lands after the attempt it kills saved a page, as a crash mid-sync does; a run whose
            # workers die before that is given up (SYNC_MAX_STALLED_ATTEMPTS), a guard tested on its own.
            _wait(lambda: attempt_saved_a_page(run_id=run.pk) or not unfinished(), timeout)
            # "answered": the instant Visma applied a create; "random": a random moment within the next
            # RANDOM_KILL_WINDOW seconds of the engine's work after one.
            delay = None if mode == "answered" else rng.uniform(0, RANDOM_KILL_WINDOW)
            switch.arm(max(1, target - employees()), delay=delay)
            _wait(lambda: switch.fired.is_set() or not unfinished(), timeout)
            fired = switch.fired.is_set()
            switch.disarm()
            if not fired or not unfinished():
                log(f"kill {n + 1}: the run had finished already")
                break
            done.append(Kill(mode, employees(), time.monotonic() - started))
            log(f"kill {n + 1} ({mode}) at {employees()} Visma employees, {time.monotonic() - started:.1f}s")
            if between:
                between(n)
            worker.start()
            resumed_by.append(run_resume(run_id=run.pk))
        status = runs_until_finished(integration_id=integration.pk, run_id=run.pk, deadline=started + timeout)
        return ChaosResult(done, resumed_by, time.monotonic() - started, status)
    finally:
        switch.close()


class ChangesDuringRun:
    """Changes workers' e-mails between kills: first the earliest-created ones (long in Visma, behind the run's
    committed position), then, a minute later, the last ones (not read yet). The full sync walks by created_at,
    so only a watermark taken at the run's start sees both changes."""

    def __init__(self, app, *, count: int = 10, after_employees: int = 150):
        self.app, self.count, self.after_employees = app, count, after_employees
        self.by_creation = sorted(app["rippling"].data["workers"].rows.values(),
                                  key=lambda w: (w["created_at"], w["id"]))
        self.done: list[str] = []

    def __call__(self, kill: int) -> None:
        if not self.done and len(self.app["visma"].data.tables["employees"]) >= self.after_employees:
            targets, self.done = self.by_creation[:self.count], ["first"]
        elif self.done == ["first"]:
            self.app.clock.advance(60)
            targets, self.done = self.by_creation[-self.count:], ["first", "last"]
        else:
            return
        for worker in targets:
            self.app["rippling"].update_worker(worker["id"], work_email=f"changed.{worker['number']}@example.com")


def chaos_trial(*, app, integration, worker: WorkerProcess, kills: int, rng: random.Random, records: int,
                timeout: float = 240.0, log: Callable[[str], None] = lambda line: None):
    """One chaos run with source changes between kills, then one more (unkilled) run as the next beat tick
    would make, which must pick up every change; returns (ChaosResult, Tally, ChangesDuringRun)."""
    changes = ChangesDuringRun(app, after_employees=min(150, records // 3))
    result = chaos_run(app=app, integration=integration, worker=worker, kills=kills, rng=rng, records=records,
                       between=changes, timeout=timeout, log=log)
    app.clock.advance(60)
    delta = run_queue(integration)
    runs_until_finished(integration_id=integration.pk, run_id=delta.pk, deadline=time.monotonic() + 120)
    return result, employees_tally(app), changes


def integration_setup(sandbox, *, workers: int, page_size: int = 50, slug: str = "chaos"):
    """Rippling seeded with `workers` in 6 departments, an empty Visma company, every department mapped."""
    from connections.models import Tenant
    from connections.services import connection_create
    from mlconnector.celery import app as celery_app
    from demo.setup import sandbox_connection_fields
    from syncs.flows.rippling_visma import DEPARTMENT_MAP
    from syncs.models import ValueMapping
    from syncs.services import integration_create

    app = sandbox.app
    app.reset()
    for vendor in ("rippling", "visma"):
        app[vendor].limiter.limit = None  # quota windows are not what chaos is about
    app["rippling"].seed(workers=workers, departments=6, seed=9)
    app["visma"].seed(employees=0, customers=0, suppliers=0, supplier_invoices=0, customer_invoices=0,
                      purchase_orders=0, payments=0, journal_transactions=0)
    celery_app.control.purge()  # nothing left on the default queue by someone else may run here
    tenant = Tenant.objects.create(name=f"Chaos {slug}", slug=f"{slug}-{random.randrange(10**6)}")
    source = connection_create(tenant=tenant, name="Rippling", **sandbox_connection_fields("rippling", sandbox.url))
    destination = connection_create(tenant=tenant, name="Visma", **sandbox_connection_fields("visma", sandbox.url))
    integration = integration_create(tenant=tenant, name="Chaos", flow_kind="rippling_visma", source=source,
                                     destination=destination, options={"page_size": page_size})
    visma_departments = sorted(app["visma"].data.reference["departments"])
    ValueMapping.objects.bulk_create(
        ValueMapping(tenant=tenant, integration=integration, map_name=DEPARTMENT_MAP, source_value=department_id,
                     target_value=visma_departments[n % len(visma_departments)])
        for n, department_id in enumerate(sorted(app["rippling"].data["departments"].rows)))
    return integration


def run_settled(*, integration_id: int, run_id: int) -> str | None:
    """The newest attempt's status once nothing of the integration is queued or running and that attempt
    settled (an abandoned run waiting for the reaper is not settled); None until then."""
    from syncs.models import SyncRun

    if runs_unfinished(integration_id):
        return None
    status = SyncRun.objects.filter(integration_id=integration_id, pk__gte=run_id).order_by("-pk")[0].status
    return status if status in SETTLED else None


def runs_until_finished(*, integration_id: int, run_id: int, deadline: float) -> str:
    """Wait until nothing of the integration is under way and its newest run (this one, or the attempt that
    resumed it) settled: succeeded, partial or skipped; calls the reaper as beat would; returns that status."""
    from syncs.models import SyncRun

    if _wait(lambda: run_settled(integration_id=integration_id, run_id=run_id), deadline - time.monotonic()):
        return run_settled(integration_id=integration_id, run_id=run_id)
    runs = [{k: v for k, v in row.items() if k in ("id", "status") or k.startswith("error") and v}
            for row in SyncRun.objects.filter(integration_id=integration_id).values()]
    raise AssertionError(f"run {run_id} not settled before the deadline: {runs}")


def _wait(predicate, seconds: float) -> bool:
    """Poll `predicate`; meanwhile call the reaper (if the product has one) twice a second, as beat would."""
    reap, reaped = reaper(), 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        if reap is not None and time.monotonic() - reaped >= 0.5:
            reap()
            reaped = time.monotonic()
        time.sleep(0.05)
    return False
