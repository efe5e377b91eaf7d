"""The approval gate for journals (integration option `approval_required`): a journal is posted only after
a second person approved exactly that version of it.

Who may approve (decision): an owner or admin of the company who is **not** the person who last configured
the integration (its latest change-log entry: created, options changed, enabled). The person who set up
the mapping cannot wave through what the mapping produces. When nobody is on record (an integration made
by a script), any owner or admin may approve. Approving or rejecting is written to the audit trail (who,
when, the note) in the same transaction; approving queues a run, which posts the journal.
"""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditRecord
from changelog.models import ChangeLogEntry
from notifications.hooks import journal_waiting
from syncs.mapping import content_hash
from syncs.models import Integration, JournalApproval, WriteIntent

A, O = AuditRecord.Action, AuditRecord.Outcome
# The missing key of a pay run held for approval (`journal_approval:<id>`): the held record links to the
# approval; no value mapping has this name, so creating mappings never releases it.
APPROVAL_KEY = "journal_approval"


class ApprovalRefused(Exception):
    """This person may not decide this approval (the configurer, or it is decided already)."""


class SecondPersonRequired(ApprovalRefused):
    """The person who configured the integration last may not decide its journals."""


def journal_approval_state(*, integration: Integration, stream: str, source_id: str,
                           journal: dict) -> tuple[str, str] | None:
    """None when this version of the journal is approved; else why it is held and its missing key (the
    approval request exists by then)."""
    approval, created = JournalApproval.objects.get_or_create(
        integration=integration, stream=stream, source_id=source_id, content_hash=content_hash(journal),
        defaults={"tenant_id": integration.tenant_id, "journal": journal})
    if created:
        journal_waiting(approval_id=approval.pk)  # the approvers are e-mailed once the row is committed
    if approval.status == JournalApproval.Status.APPROVED:
        return None
    key = f"{APPROVAL_KEY}:{approval.pk}"
    if approval.status == JournalApproval.Status.REJECTED:
        who = approval.decided_by.get_username() if approval.decided_by else "someone"
        return (f"Journal rejected by {who} on {approval.decided_at:%Y-%m-%d %H:%M} UTC: {approval.note or '(no note)'}. "
                "Correct the pay run in Dayforce; the corrected journal asks for approval again.", key)
    return ("Awaiting approval: a second person must approve this journal under Syncs > Journal approvals "
            f"(approval #{approval.pk}) before it is posted.", key)


def approvers(approval: JournalApproval) -> list:
    """Who may decide it: the company's active owners and admins but the person who configured it last."""
    from connections.models import Membership

    configurer = last_configured_by(approval.integration)
    members = (Membership.objects.filter(tenant_id=approval.tenant_id, role__in=Membership.MANAGING_ROLES,
                                         user__is_active=True).select_related("user").order_by("user__email"))
    return [m.user for m in members if configurer is None or m.user_id != configurer.pk]


def journal_approval_list(*, tenant, status: str | None = JournalApproval.Status.PENDING,
                          integration_id: int | None = None):
    """A tenant's journal approvals, newest first; pending ones unless another status is asked for."""
    approvals = JournalApproval.objects.filter(tenant=tenant).select_related("integration", "decided_by")
    if status:
        approvals = approvals.filter(status=status)
    if integration_id is not None:
        approvals = approvals.filter(integration_id=integration_id)
    return approvals


def journal_approval_get(*, tenant, pk: int) -> JournalApproval | None:
    return journal_approval_list(tenant=tenant, status=None).filter(pk=pk).first()


def last_configured_by(integration: Integration):
    entry = (ChangeLogEntry.objects.filter(tenant=integration.tenant, object_type="integration",
                                           object_id=integration.pk, actor__isnull=False)
             .order_by("-at", "-pk").select_related("actor").first())
    return entry.actor if entry else None


def approval_decider_check(*, approval: JournalApproval, user) -> None:
    if approval.status != JournalApproval.Status.PENDING:
        raise ApprovalRefused(f"Approval #{approval.pk} is already {approval.get_status_display().lower()}.")
    configurer = last_configured_by(approval.integration)
    if configurer is not None and configurer.pk == user.pk:
        raise SecondPersonRequired("You configured this integration last, so a second person must approve its "
                                   "journals.")


@transaction.atomic
def journal_approve(*, approval: JournalApproval, user, note: str = "") -> JournalApproval:
    from syncs.services import integration_run_now

    approval = JournalApproval.objects.select_for_update().select_related("integration").get(pk=approval.pk)
    approval_decider_check(approval=approval, user=user)
    _decide(approval, user, JournalApproval.Status.APPROVED, note)
    AuditRecord.objects.create(tenant_id=approval.tenant_id, integration=approval.integration, stream=approval.stream,
                               source_ref=approval.source_id, action=A.RELEASE, outcome=O.OK,
                               reason=f"journal approved by {user.get_username()} at "
                                      f"{approval.decided_at:%Y-%m-%d %H:%M:%S} UTC" + (f": {note}" if note else ""),
                               mapping_used={"approval": approval.pk}, payload_digest=approval.content_hash)
    integration_run_now(integration=approval.integration)  # queued on commit: the run posts it
    return approval


@transaction.atomic
def journal_reject(*, approval: JournalApproval, user, note: str) -> JournalApproval:
    approval = JournalApproval.objects.select_for_update().select_related("integration").get(pk=approval.pk)
    approval_decider_check(approval=approval, user=user)
    if not note.strip():
        raise ApprovalRefused("Say why the journal is rejected: the note is what the payroll team reads.")
    _decide(approval, user, JournalApproval.Status.REJECTED, note)
    AuditRecord.objects.create(tenant_id=approval.tenant_id, integration=approval.integration, stream=approval.stream,
                               source_ref=approval.source_id, action=A.HOLD, outcome=O.HELD,
                               reason=f"journal rejected by {user.get_username()} at "
                                      f"{approval.decided_at:%Y-%m-%d %H:%M:%S} UTC: {note}",
                               mapping_used={"approval": approval.pk}, payload_digest=approval.content_hash)
    return approval


def _decide(approval: JournalApproval, user, status: str, note: str) -> None:
    approval.status, approval.decided_by, approval.decided_at, approval.note = status, user, timezone.now(), note
    approval.save(update_fields=["status", "decided_by", "decided_at", "note"])


# --- what the approval page shows --------------------------------------------------------------------
def cost_center_totals(journal: dict, department_segment: int = 1) -> dict[str, Decimal]:
    """Net debit per cost centre of the pay lines (the clearing lines mirror them)."""
    from syncs.flows.dayforce_visma.journal import totals

    return totals(journal, department_segment).by_cost_center


def journal_total(journal: dict) -> Decimal:
    from syncs.flows.dayforce_visma.journal import totals

    return totals(journal).debit


def previous_journals(approvals) -> dict[int, dict | None]:
    """Approval pk → the journal of its pay group's previous pay period (source ids are `pay group:pay date`):
    the one posted for it (the latest version, if it was corrected), else the one last put up for approval;
    None when there is none. At most four queries however many approvals (a page of the API's list): the
    keys of the earlier periods first, then only the journals chosen."""
    approvals = list(approvals)
    if not approvals:
        return {}
    posted = _latest_earlier(approvals, WriteIntent.objects.filter(state=WriteIntent.State.CONFIRMED), "created_at")
    asked = _latest_earlier(approvals, JournalApproval.objects.exclude(status=JournalApproval.Status.REJECTED),
                            "requested_at")
    from_posted, from_asked = {}, {}  # approval pk → the pk of the write intent / the earlier approval
    for approval in approvals:
        intent, earlier = posted.get(approval.pk), asked.get(approval.pk)
        if intent is not None and (earlier is None or intent[0] >= earlier[0]):
            from_posted[approval.pk] = intent[1]
        elif earlier is not None:
            from_asked[approval.pk] = earlier[1]
    payloads = WriteIntent.objects.only("payload").in_bulk(list(from_posted.values()))
    journals = JournalApproval.objects.only("journal").in_bulk(list(from_asked.values()))
    previous = {}
    for approval in approvals:
        if approval.pk in from_posted:
            previous[approval.pk] = payloads[from_posted[approval.pk]].payload
        elif approval.pk in from_asked:
            previous[approval.pk] = journals[from_asked[approval.pk]].journal
        else:
            previous[approval.pk] = None
    return previous


def _latest_earlier(approvals: list[JournalApproval], rows, made_at: str) -> dict[int, tuple[str, int]]:
    """Approval pk → (source id, pk) of the latest of `rows` of the same integration and stream whose source id
    is an earlier period of the same pay group; one query for all of them, reading keys only."""
    def prefix(approval):
        return f"{approval.source_id.rpartition(':')[0]}:"

    latest: dict[tuple, str] = {}  # per pay group, the latest period asked about: nothing later matters
    for approval in approvals:
        group = (approval.integration_id, approval.stream, prefix(approval))
        latest[group] = max(latest.get(group, ""), approval.source_id)
    earlier = Q()
    for (integration_id, stream, group_prefix), before in latest.items():
        earlier |= Q(integration_id=integration_id, stream=stream, source_id__startswith=group_prefix,
                     source_id__lt=before)
    candidates: dict[tuple, list] = {}
    for integration_id, stream, source_id, made, pk in rows.filter(earlier).values_list(
            "integration_id", "stream", "source_id", made_at, "pk"):
        candidates.setdefault((integration_id, stream), []).append((source_id, made, pk))
    found = {}
    for approval in approvals:
        before = [row for row in candidates.get((approval.integration_id, approval.stream), [])
                  if row[0].startswith(prefix(approval)) and row[0] < approval.source_id]
        if before:
            source_id, _, pk = max(before)  # the latest period, and of it the latest version
            found[approval.pk] = (source_id, pk)
    return found


def approval_comparison(approval: JournalApproval,
                        previous_by_pk: dict[int, dict | None] | None = None) -> list[dict]:
    """Rows per cost centre: this period, the previous period, the difference. `previous_by_pk` is
    previous_journals() of a whole page, given by a list; one approval alone looks its own up."""
    department_segment = int(approval.integration.options.get("department_segment", 1))
    now = cost_center_totals(approval.journal, department_segment)
    previous = (previous_by_pk if previous_by_pk is not None else previous_journals([approval]))[approval.pk]
    before = cost_center_totals(previous, department_segment) if previous else {}
    return [{"cost_center": center, "amount": now.get(center, Decimal("0.00")),
             "previous": before.get(center) if previous else None,
             "difference": now.get(center, Decimal("0.00")) - before.get(center, Decimal("0.00"))}
            for center in sorted(set(now) | set(before))]
