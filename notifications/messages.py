"""What each notification says: what broke, the vendor's own words, what to do, and where to click.

Built from what the engine stored (the run's error columns, the pending records), so a message can
be written by any worker long after the run, one builder per kind from the parts in `message_parts`.
No e-mail or HTTP here; `delivery` and `webhooks` send.
"""
from __future__ import annotations

from django.urls import reverse

from audit.redaction import redact_text
from connections.models import Connection
from mlconnector.timezones import tenant_time
from notifications.message_parts import (
    Message,
    absolute,
    admin_url,
    blamed,
    connection_facts,
    connection_link,
    counted,
    integration_facts,
    pending_link,
    run_link,
    split_advice,
    vendor_label,
)
from notifications.models import Kind
from syncs.errors import RETRIED_CLASSES, error_is_internal, error_said
from syncs.models import SyncRun
from syncs.words import map_label

MAX_DETAILS = 10
RESUMES = "Nothing is lost: the next run resumes from the last page that was saved."


def run_failed_message(run: SyncRun) -> Message:
    integration = run.integration
    connections = [integration.source, integration.destination]
    said, advice = redact_text(error_said(**run.error_columns)), run.error_hint
    culprits = blamed(run.error_vendor, connections)
    actions = [connection_link(c, f"Open the {vendor_label(c)} connection '{c.name}'") for c in culprits]
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
    facts = integration_facts(integration, run)
    if culprits:
        facts.insert(2, ("Vendor", vendor_label(culprits[0])))
    return Message(
        kind=Kind.RUN_FAILED,
        subject=f"{integration.name}: sync failed" + (f" ({vendor_label(culprits[0])})" if culprits else ""),
        headline=f"The sync '{integration.name}' stopped: run #{run.number} failed.",
        facts=facts, said=said, advice=f"{advice} {RESUMES}",
        actions=actions + [run_link(run), ("Open the integration", admin_url("syncs_integration_change",
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
        details.append(f"{redact_text(records[0]['reason'])} ({counted(len(records), 'record')})")
        actions.append((f"Create the {map_label(map_name)} mapping for '{source_value}'",
                        admin_url("syncs_valuemapping_add", query={"integration": integration.pk,
                                                                   "map_name": map_name,
                                                                   "source_value": source_value})))
    if len(by_key) > MAX_DETAILS:
        details.append(f"… and {len(by_key) - MAX_DETAILS} more missing mappings.")
    held = counted(len(holds), "record")
    return Message(
        kind=Kind.RECORDS_HELD,
        subject=f"{integration.name}: {held} held, mapping missing",
        headline=f"Run #{run.number} of '{integration.name}' held {held}: "
                 f"{'a mapping is' if len(by_key) == 1 else 'mappings are'} missing, so nothing was written for "
                 f"{'it' if len(holds) == 1 else 'them'}.",
        facts=integration_facts(integration, run), details=details,
        advice="Create the missing mapping (links below). The held records are then written on their own; "
               "no new run is needed.",
        actions=actions + [pending_link("See all held records", "held"), run_link(run)])


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
    failed = counted(len(failures), "record")
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
        facts=integration_facts(integration, run), details=details,
        advice=advice,
        actions=[pending_link("See the failed records", "failed"), run_link(run)])


def run_recovered_message(run: SyncRun, *, failing_since, failures: int, held_back: int) -> Message:
    integration = run.integration
    return Message(
        kind=Kind.RECOVERED,
        subject=f"{integration.name}: back to normal",
        headline=f"The sync '{integration.name}' works again: run #{run.number} got through after "
                 f"{counted(failures, 'failed run')} since {tenant_time(failing_since, integration.tenant)}.",
        facts=integration_facts(integration, run),
        details=[f"{held_back} of those failures were not e-mailed separately."] if held_back else [],
        advice="Nothing to do. The next failure will be reported at once again.",
        actions=[run_link(run)])


def connection_failed_message(connection: Connection) -> Message:
    said, advice = split_advice(connection.last_error, [connection])
    label = vendor_label(connection)
    return Message(
        kind=Kind.CONNECTION_FAILED,
        subject=f"Connection '{connection.name}' ({label}) failed its test",
        headline=f"The {label} connection '{connection.name}' failed its test, so the syncs that use it will "
                 "fail too.",
        facts=connection_facts(connection, label) + [
            ("Tested", tenant_time(connection.last_tested_at, connection.tenant) if connection.last_tested_at else "")],
        said=said,
        advice=advice or "Check the connection's settings and credentials, then press 'Test connection' again.",
        actions=[connection_link(connection)])


def connection_recovered_message(connection: Connection, *, failing_since, failures: int) -> Message:
    label = vendor_label(connection)
    return Message(
        kind=Kind.RECOVERED,
        subject=f"Connection '{connection.name}' ({label}): back to normal",
        headline=f"The {label} connection '{connection.name}' works again after "
                 f"{counted(failures, 'failed test')} since {tenant_time(failing_since, connection.tenant)}.",
        facts=connection_facts(connection, label),
        advice="Nothing to do.",
        actions=[connection_link(connection)])


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
    details = [f"{counted(count, 'record')} {what}" for count, what in kinds if count]
    details += [f"{t['label']}, {t['stream']} {t['group']}: {t['source']:g} at the source, {t['destination']:g} at "
                f"the destination" for t in report.totals_off[:MAX_DETAILS]]
    return Message(
        kind=Kind.DRIFT_FOUND,
        subject=f"{integration.name}: source and destination differ ({counted(report.found, 'record')})",
        headline=f"The drift report of '{integration.name}' found {counted(report.found, 'difference')} between "
                 f"{vendor_label(integration.source)} and {vendor_label(integration.destination)}.",
        facts=integration_facts(integration, None), details=details,
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
        facts=[*integration_facts(integration, None), ("Pay run", approval.source_id),
               ("Total debit", f"{journal_total(approval.journal):,.2f}"), ("Cost centres", str(len(rows)))],
        advice=("Nobody may approve it yet: the person who configured the integration last cannot, and the "
                "company has no other owner or admin with an e-mail address. Add one under Members; they approve "
                "it on the approval page.") if nobody_may_approve else (
            "Open the approval: check the amounts per cost centre against the previous period, then approve "
            "(a run posts it) or reject it with a note for the payroll team."),
        actions=[("Open the approval", admin_url("syncs_journalapproval_change", approval.pk))])
