"""What each notification says: what broke, the vendor's own words, what to do, and where to click.

Built from what the engine stored (the run's error columns, the pending records), so a message can
be written by any worker long after the run. No e-mail or HTTP here; `delivery` and `webhooks` send.
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
from syncs.errors import RETRIED_CLASSES, error_is_internal, error_said
from syncs.models import Integration, SyncRun
from syncs.words import map_label

MAX_DETAILS = 10
RESUMES = "Nothing is lost: the next run resumes from the last page that was saved."
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


def _integration_facts(integration: Integration, run: SyncRun | None) -> list[tuple[str, str]]:
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


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _run_link(run: SyncRun) -> tuple[str, str]:
    return f"Open run #{run.number}", admin_url("syncs_syncrun_change", run.pk)


def _pending_link(label: str, status: str) -> tuple[str, str]:
    return label, admin_url("syncs_pendingrecord_changelist", query={"status__exact": status})


def _connection_link(connection: Connection, label: str = "") -> tuple[str, str]:
    return (label or f"Open the connection '{connection.name}'",
            admin_url("connections_connection_change", connection.pk))


def _connection_facts(connection: Connection, label: str) -> list[tuple[str, str]]:
    return [("Company", connection.tenant.name), ("Connection", f"{connection.name} ({label})")]


def run_failed_message(run: SyncRun) -> Message:
    integration = run.integration
    connections = [integration.source, integration.destination]
    said, advice = redact_text(error_said(**run.error_columns)), run.error_hint
    culprits = blamed(run.error_vendor, connections)
    actions = [_connection_link(c, f"Open the {vendor_label(c)} connection '{c.name}'") for c in culprits]
    if run.error_class in RETRIED_CLASSES:
        # The client's "will be retried" is over by now: Celery has retried the run and given up.
        vendor = vendor_label(culprits[0]) if culprits else "The vendor"
        advice = (f"{vendor} kept failing while the run was retried. Check {vendor}'s status page; the next "
                  "scheduled run tries again on its own.")
    elif error_is_internal(run.error_class):
        advice = ("This is a fault in ml-connector, not in your data or credentials. The next run tries again; "
                  f"if it keeps failing, contact support and quote run #{run.number}.")
    elif not advice:
        advice = "Check the connection named above and press 'Test connection'; then run the integration again."
    facts = _integration_facts(integration, run)
    if culprits:
        facts.insert(2, ("Vendor", vendor_label(culprits[0])))
    return Message(
        kind=Kind.RUN_FAILED,
        subject=f"{integration.name}: sync failed" + (f" ({vendor_label(culprits[0])})" if culprits else ""),
        headline=f"The sync '{integration.name}' stopped: run #{run.number} failed.",
        facts=facts, said=said, advice=f"{advice} {RESUMES}",
        actions=actions + [_run_link(run), ("Open the integration", admin_url("syncs_integration_change",
                                                                              integration.pk))])


def records_held_message(run: SyncRun, holds: list[dict]) -> Message:
    """`holds`: the run's newly held records as dicts with stream, source_id, missing_key and reason."""
    integration = run.integration
    by_key: dict[str, list[dict]] = {}
    for hold in holds:
        by_key.setdefault(hold["missing_key"], []).append(hold)
    details, actions = [], []
    for key, records in list(by_key.items())[:MAX_DETAILS]:
        map_name, _, source_value = key.partition(":")
        details.append(f"{redact_text(records[0]['reason'])} ({_counted(len(records), 'record')})")
        actions.append((f"Create the {map_label(map_name)} mapping for '{source_value}'",
                        admin_url("syncs_valuemapping_add", query={"integration": integration.pk,
                                                                   "map_name": map_name,
                                                                   "source_value": source_value})))
    if len(by_key) > MAX_DETAILS:
        details.append(f"… and {len(by_key) - MAX_DETAILS} more missing mappings.")
    held = _counted(len(holds), "record")
    return Message(
        kind=Kind.RECORDS_HELD,
        subject=f"{integration.name}: {held} held, mapping missing",
        headline=f"Run #{run.number} of '{integration.name}' held {held}: "
                 f"{'a mapping is' if len(by_key) == 1 else 'mappings are'} missing, so nothing was written for "
                 f"{'it' if len(holds) == 1 else 'them'}.",
        facts=_integration_facts(integration, run), details=details,
        advice="Create the missing mapping (links below). The held records are then written on their own; "
               "no new run is needed.",
        actions=actions + [_pending_link("See all held records", "held"), _run_link(run)])


def _from_mapping(failure: dict) -> str:
    if not failure.get("value_mapping"):
        return ""
    map_name, source_value, target_value = failure["value_mapping"]
    return f" (the value mapping {map_label(map_name)} turns “{source_value}” into “{target_value}”)"


def records_failed_message(run: SyncRun, failures: list[dict]) -> Message:
    """`failures`: the run's failed or quarantined records as dicts with stream, source_id and reason."""
    integration = run.integration
    details = [f"{f['stream']} {f['source_id']}: {redact_text(f['reason'])}{_from_mapping(f)}"
               for f in failures[:MAX_DETAILS]]
    if len(failures) > MAX_DETAILS:
        details.append(f"… and {len(failures) - MAX_DETAILS} more.")
    failed = _counted(len(failures), "record")
    if any(f.get("value_mapping") for f in failures):
        advice = ("The destination refused a value that one of your value mappings produces (named on each line). "
                  "Correct that mapping, then open the failed records, select them and choose “Replay selected "
                  "records”.")
    else:
        advice = ("Each line gives the destination's reason. Correct the value it names at the source, then open "
                  "the failed records, select them and choose “Replay selected records”.")
    return Message(
        kind=Kind.RECORDS_FAILED,
        subject=f"{integration.name}: {failed} could not be written",
        headline=f"Run #{run.number} of '{integration.name}' could not write {failed}; "
                 "the rest of the run went on.",
        facts=_integration_facts(integration, run), details=details,
        advice=advice,
        actions=[_pending_link("See the failed records", "failed"), _run_link(run)])


def run_recovered_message(run: SyncRun, *, failing_since, failures: int, held_back: int) -> Message:
    integration = run.integration
    return Message(
        kind=Kind.RECOVERED,
        subject=f"{integration.name}: back to normal",
        headline=f"The sync '{integration.name}' works again: run #{run.number} got through after "
                 f"{_counted(failures, 'failed run')} since {tenant_time(failing_since, integration.tenant)}.",
        facts=_integration_facts(integration, run),
        details=[f"{held_back} of those failures were not e-mailed separately."] if held_back else [],
        advice="Nothing to do. The next failure will be reported at once again.",
        actions=[_run_link(run)])


def connection_failed_message(connection: Connection) -> Message:
    said, advice = split_advice(connection.last_error, [connection])
    label = vendor_label(connection)
    return Message(
        kind=Kind.CONNECTION_FAILED,
        subject=f"Connection '{connection.name}' ({label}) failed its test",
        headline=f"The {label} connection '{connection.name}' failed its test, so the syncs that use it will "
                 "fail too.",
        facts=_connection_facts(connection, label) + [
            ("Tested", tenant_time(connection.last_tested_at, connection.tenant) if connection.last_tested_at else "")],
        said=said,
        advice=advice or "Check the connection's settings and credentials, then press 'Test connection' again.",
        actions=[_connection_link(connection)])


def connection_recovered_message(connection: Connection, *, failing_since, failures: int) -> Message:
    label = vendor_label(connection)
    return Message(
        kind=Kind.RECOVERED,
        subject=f"Connection '{connection.name}' ({label}): back to normal",
        headline=f"The {label} connection '{connection.name}' works again after "
                 f"{_counted(failures, 'failed test')} since {tenant_time(failing_since, connection.tenant)}.",
        facts=_connection_facts(connection, label),
        advice="Nothing to do.",
        actions=[_connection_link(connection)])


def sample_message(tenant) -> Message:
    return Message(
        kind=Kind.TEST, subject="Test message", facts=[("Company", tenant.name)],
        headline="This is a test of ml-connector's failure notifications. If you can read it, they reach you.",
        advice="Nothing to do.",
        actions=[("Notification settings", admin_url("notifications_notificationsettings_changelist"))])


def drift_found_message(report) -> Message:
    """A drift report found differences (drift/): how many of each kind, the totals that do not match, and the page."""
    integration = report.integration
    kinds = [(report.missing, "missing at the destination"), (report.extra, "extra at the destination"),
             (report.differs, "with differing fields"), (report.changed, "changed at the destination since our last "
                                                                         "write")]
    details = [f"{_counted(count, 'record')} {what}" for count, what in kinds if count]
    details += [f"{t['label']}, {t['stream']} {t['group']}: {t['source']:g} at the source, {t['destination']:g} at "
                f"the destination" for t in report.totals_off[:MAX_DETAILS]]
    return Message(
        kind=Kind.DRIFT_FOUND,
        subject=f"{integration.name}: source and destination differ ({_counted(report.found, 'record')})",
        headline=f"The drift report of '{integration.name}' found {_counted(report.found, 'difference')} between "
                 f"{vendor_label(integration.source)} and {vendor_label(integration.destination)}.",
        facts=_integration_facts(integration, None), details=details,
        advice="Open the report: re-sync a record to write the source's version again, or release it to keep the "
               "destination as it is. Changes made at the destination are not overwritten until you choose.",
        actions=[("Open the drift report", absolute(reverse("customer_admin:drift_driftreport_integration",
                                                            args=[integration.pk])))])


def journal_waiting_message(approval, *, nobody_may_approve: bool = False) -> Message:
    """A journal waits for a second person (syncs/approvals.py). Only sums by cost centre: the journal names
    nobody, and neither does this message."""
    from syncs.approvals import approval_comparison, journal_total

    integration = approval.integration
    rows = approval_comparison(approval)
    return Message(
        kind=Kind.JOURNAL_WAITING,
        subject=f"{integration.name}: journal {approval.source_id} awaits your approval",
        headline=f"The journal of pay run {approval.source_id} is ready to post to the general ledger, and waits "
                 "for a second person's approval.",
        facts=[*_integration_facts(integration, None), ("Pay run", approval.source_id),
               ("Total debit", f"{journal_total(approval.journal):,.2f}"), ("Cost centres", str(len(rows)))],
        advice=("Nobody may approve it yet: the person who configured the integration last cannot, and the "
                "company has no other owner or admin with an e-mail address. Add one under Members; they approve "
                "it on the approval page.") if nobody_may_approve else (
            "Open the approval: check the amounts per cost centre against the previous period, then approve "
            "(a run posts it) or reject it with a note for the payroll team."),
        actions=[("Open the approval", admin_url("syncs_journalapproval_change", approval.pk))])
