"""An integration's health, decided in one place from plain facts.

`health_facts` gathers what the badge needs from an integration annotated by
`syncs.health_selectors.integration_health_annotate`; `health_decide` is a pure function of those facts and the
clock, so every state has a unit test without a database. The order of `Problem`s is the order a customer
should act in: a broken credential first (nothing else can be fixed while the vendor refuses us), then a run
that stopped beating, a failed last run, records waiting, a schedule that fell behind, and the draft/paused
states last. The badge is the first problem's; "Healthy" only when there is none at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

# A scheduled integration whose last success is older than this many intervals has fallen behind.
OVERDUE_INTERVALS = 3


@dataclass(frozen=True)
class ConnectionState:
    pk: int
    name: str
    vendor: str  # the vendor's label, "monday.com"
    status: str  # connections.models.Connection.Status
    last_error: str
    last_tested_at: datetime | None


@dataclass(frozen=True)
class HealthFacts:
    enabled: bool
    every_minutes: int | None  # the effective poll interval, None for cron or no schedule
    scheduled: bool  # has an interval or a crontab
    connections: tuple[ConnectionState, ...]  # source, then destination
    last_finished_status: str | None  # of the newest finished real run
    last_success_at: datetime | None
    active_status: str | None  # of the run in progress (queued, running, abandoned)
    active_number: int | None
    active_beat_at: datetime | None  # its last heartbeat, or its start
    held: int
    failed: int


@dataclass(frozen=True)
class Problem:
    kind: str  # broken_connection, stuck_run, last_run_failed, records_waiting, overdue, untested_connection, paused
    text: str
    connection: ConnectionState | None = None


@dataclass(frozen=True)
class Health:
    badge: str  # broken, stuck, failing, attention, paused, never_run, running, healthy
    label: str
    problems: tuple[Problem, ...]

    def __iter__(self):  # (badge, label), as the health badge template and older callers take it
        return iter((self.badge, self.label))

    def __getitem__(self, index):
        return (self.badge, self.label)[index]


BADGE_OF = {"broken_connection": "broken", "stuck_run": "stuck", "last_run_failed": "failing",
            "records_waiting": "attention", "overdue": "attention", "untested_connection": "attention",
            "paused": "paused"}


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return f"{max(0, int(delta.total_seconds()))} s"
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def health_decide(facts: HealthFacts, *, now: datetime) -> Health:
    """The badge, its label and every problem, most urgent first."""
    problems: list[Problem] = []
    for connection in facts.connections:
        if connection.status == "failed":
            # The vendor's words carry their own hint (errors.py); ours only says what is at stake.
            said = f": {connection.last_error}" if connection.last_error else "."
            problems.append(Problem("broken_connection", f"The {connection.vendor} connection “{connection.name}” "
                                    f"failed its last test{said} Nothing syncs through it until it works again.",
                                    connection))
    if facts.active_status == "running" and facts.active_beat_at is not None:
        silent = now - facts.active_beat_at
        if silent.total_seconds() > settings.SYNC_ABANDON_AFTER_SECONDS:
            problems.append(Problem("stuck_run", f"Run #{facts.active_number} has sent no sign of life for "
                                    f"{_ago(silent)}: its worker may have stopped. It is resumed from its last saved "
                                    "position once the worker is found lost; if this stays, check the workers."))
    if facts.last_finished_status == "failed":
        problems.append(Problem("last_run_failed", "The last run failed; its error says why."))
    if facts.held or facts.failed:
        problems.append(Problem("records_waiting", f"{facts.held} held, {facts.failed} failed record(s) waiting."))
    if facts.enabled and facts.every_minutes and facts.last_finished_status is not None:
        allowed = timedelta(minutes=facts.every_minutes * OVERDUE_INTERVALS)
        if facts.last_success_at is None or now - facts.last_success_at > allowed:
            since = f"for {_ago(now - facts.last_success_at)}" if facts.last_success_at else "yet"
            problems.append(Problem("overdue", f"Scheduled every {facts.every_minutes} min, but no run has "
                                    f"succeeded {since}."))
    for connection in facts.connections:
        # A connection that has carried a run has proved itself; "not tested" only matters before the first.
        if connection.status == "untested" and facts.last_finished_status is None:
            problems.append(Problem("untested_connection", f"The {connection.vendor} connection “{connection.name}” "
                                    "has not been tested yet.", connection))
    if not facts.enabled:
        problems.append(Problem("paused", "Paused: no scheduled runs until it is resumed." if facts.last_finished_status
                                else "Not turned on yet: no scheduled runs."))

    if problems:
        first = problems[0]
        label = {
            "broken": f"{first.connection.vendor} connection failing" if first.connection else "Connection failing",
            "stuck": "Run stuck",
            "failing": "Last run failed",
            "paused": "Paused" if facts.last_finished_status else "Not turned on",
        }.get(BADGE_OF[first.kind])
        if first.kind == "records_waiting":
            label = f"{facts.held} held, {facts.failed} failed record(s) waiting"
        elif first.kind == "overdue":
            label = "Behind schedule"
        elif first.kind == "untested_connection":
            label = "Connection not tested"
        return Health(BADGE_OF[first.kind], label, tuple(problems))
    if facts.last_finished_status is None:
        if facts.active_status:
            return Health("running", "Running its first sync", ())
        return Health("never_run", "Not run yet", ())
    return Health("healthy", "Healthy", ())


def connection_state(connection) -> ConnectionState:
    from connections.vendors import get_vendor
    from connections.vendors.errors import VendorConfigurationError

    try:
        vendor = get_vendor(connection.kind).label
    except VendorConfigurationError:  # a vendor no longer built: its kind is all we can say
        vendor = connection.kind
    return ConnectionState(pk=connection.pk, name=connection.name, vendor=vendor, status=connection.status,
                           last_error=connection.last_error, last_tested_at=connection.last_tested_at)


def health_facts(integration) -> HealthFacts:
    """Facts of an integration annotated by integration_health_annotate (source/destination loaded)."""
    from syncs.schedules import schedule_every_minutes

    every = None if integration.cron else schedule_every_minutes(integration)
    return HealthFacts(
        enabled=integration.enabled, every_minutes=every, scheduled=bool(every or integration.cron),
        connections=(connection_state(integration.source), connection_state(integration.destination)),
        last_finished_status=integration.last_finished_status, last_success_at=integration.last_success_at,
        active_status=integration.active_run_status, active_number=integration.active_run_number,
        active_beat_at=integration.active_run_beat_at, held=integration.held_count, failed=integration.failed_count)
