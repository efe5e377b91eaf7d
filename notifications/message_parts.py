"""The parts every notification is built from: the `Message` itself, absolute links into the customer site,
vendor names, a connection test's error split into the vendor's words and the advice, and the fact lines and
links about an integration, a run or a connection.

No e-mail or HTTP here; `messages` builds one message per kind from these, `delivery` and `webhooks` send.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from audit.redaction import redact_text
from connections.models import Connection
from connections.vendors import get_vendor
from connections.vendors.base import DEFAULT_HINTS, TEST_HINTS
from connections.vendors.errors import VendorConfigurationError
from mlconnector.timezones import tenant_time
from notifications.models import Kind
from syncs.models import Integration, SyncRun

# How the summary line counts what was held back, per kind.
HELD_BACK = {
    Kind.RUN_FAILED: ("failed run", "failed runs"),
    Kind.RECORDS_FAILED: ("run with failed records", "runs with failed records"),
    Kind.RECORDS_HELD: ("run that held records", "runs that held records"),
    Kind.CONNECTION_FAILED: ("failed connection test", "failed connection tests"),
    Kind.DRIFT_FOUND: ("drift report with differences", "drift reports with differences"),
}


@dataclass
class Message:
    kind: str
    subject: str
    headline: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    said: str = ""  # the vendor's (or the engine's) own words
    advice: str = ""  # what to do
    details: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, absolute URL)

    def payload(self) -> dict:
        return {"event": self.kind, "subject": self.subject, "headline": self.headline, "facts": dict(self.facts),
                "said": self.said, "advice": self.advice, "details": self.details,
                "links": [{"label": label, "url": url} for label, url in self.actions]}


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def admin_url(view: str, *args, query: dict | None = None) -> str:
    path = reverse(f"customer_admin:{view}", args=args)
    return absolute(path + ("?" + urlencode(query) if query else ""))


def vendor_label(connection: Connection) -> str:
    try:
        return get_vendor(connection.kind).label
    except VendorConfigurationError:
        return connection.kind


def split_advice(text: str, connections: list[Connection]) -> tuple[str, str]:
    """Split a connection test's error into (what the vendor said, what to do). (Runs store the two apart.)

    Vendor clients end their messages with a hint from `hints`, `token_hint` or `DEFAULT_HINTS`
    (connections/vendors/base.py); finding that hint again keeps one source for every piece of advice.
    """
    text = redact_text((text or "").strip())
    hints = list(DEFAULT_HINTS.values()) + list(TEST_HINTS.values())
    for connection in connections:
        try:
            client = get_vendor(connection.kind).client_class
        except VendorConfigurationError:
            continue
        hints += list(client.hints.values()) + [client.token_hint]
    for hint in sorted({h.strip() for h in hints if h}, key=len, reverse=True):
        if text.endswith(hint) and len(text) > len(hint):
            return text[: -len(hint)].strip(), hint
    return text, ""


def blamed(vendor: str, connections: list[Connection]) -> list[Connection]:
    """The connections of the vendor a run's error came from (its client's `vendor_label`)."""
    found = []
    for connection in connections:
        try:
            label = get_vendor(connection.kind).client_class.vendor_label
        except VendorConfigurationError:
            continue
        if vendor and label == vendor:
            found.append(connection)
    return found


def integration_facts(integration: Integration, run: SyncRun | None) -> list[tuple[str, str]]:
    facts = [("Company", integration.tenant.name),
             ("Integration", f"{integration.name} ({vendor_label(integration.source)} → "
                             f"{vendor_label(integration.destination)})")]
    if run is not None:
        when = run.finished_at or run.started_at or run.queued_at
        facts.append(("Run", f"#{run.number}, {run.get_trigger_display().lower()}, "
                             f"{run.get_status_display().lower()} at {tenant_time(when, integration.tenant)}"))
        facts.append(("Records", f"{run.read} read, {run.created} created, {run.updated} updated, "
                                 f"{run.held} held, {run.failed} failed"))
    return facts


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def run_link(run: SyncRun) -> tuple[str, str]:
    return f"Open run #{run.number}", admin_url("syncs_syncrun_change", run.pk)


def pending_link(label: str, status: str) -> tuple[str, str]:
    return label, admin_url("syncs_pendingrecord_changelist", query={"status__exact": status})


def connection_link(connection: Connection, label: str = "") -> tuple[str, str]:
    return (label or f"Open the connection '{connection.name}'",
            admin_url("connections_connection_change", connection.pk))


def connection_facts(connection: Connection, label: str) -> list[tuple[str, str]]:
    return [("Company", connection.tenant.name), ("Connection", f"{connection.name} ({label})")]
