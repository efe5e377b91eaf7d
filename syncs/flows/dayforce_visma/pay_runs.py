"""Pay summaries → Visma journal transactions: one balanced transaction per pay group and pay period.

* Read: EmployeePaySummaries per pay group (the lines carry no pay-group field) over a look-back window of
  pay dates ending at the run's start (`pay_lookback_days`, 62). Every run reads the whole window: the
  engine's content hashes leave posted, unchanged pay runs alone, a held pay run (closed period, awaiting
  approval) is planned again, and a corrected run (lines changed after posting) is seen as a change.
* Map (journal.py, pure) and pre-flight: the period must be open in Visma, every account and segment value
  must exist there, debits must equal credits; otherwise the pay run is held with the exact reason (and,
  for a mapping's fault, the mapping as its missing key, so the held record links to it).
* Write: VismaJournalStream posts it with `MLC` + the intent key on every line; an unknown outcome is
  reconciled by that reference, so a re-run, a replay or a crash never posts it twice. A corrected pay
  run is never an edit of a posted one: the posted transaction is reversed (its lines swapped, reference
  `MLR` + key, looked up before it is posted) and the new one posted; the audit row names both.
* A 403 on pay data (the role lacks the pay-data sub-feature) is recorded on the connection and as the
  run's error; the other streams (org units, employees) still run.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Iterator

from connections.services import connection_problem_note
from connections.vendors.errors import VendorPermissionError
from connections.vendors.visma.client import JOURNAL_TRANSACTIONS, path_key
from syncs import approvals
from syncs.flows.base import FlowContext, Intent, Page
from syncs.flows.dayforce_visma.journal import (
    DEPARTMENT_SEGMENT_MAP,
    DEPARTMENT_SEGMENT_MAP_TITLE,
    PAY_CATEGORY_MAP,
    PAY_CATEGORY_MAP_TITLE,
    PAY_CODE_MAP,
    PAY_CODE_MAP_TITLE,
    Accounting,
    JournalOptions,
    PayRunHeld,
    assert_balanced,
    journal_of,
    pay_run_id,
    pay_runs_of,
    preflight,
    reversal_of,
)
from syncs.flows.dayforce_visma.drift import PayRunDrift
from syncs.flows.dayforce_visma.hierarchy import HIERARCHY_FLATTENED, OrgTree
from syncs.flows.dayforce_visma.streams import COST_CENTER_MAP, COST_CENTER_MAP_TITLE, HIERARCHY_NESTED, OrgUnitsRead
from syncs.flows.visma_journal import (
    REFERENCE_LENGTH,
    VismaJournalStream,
    journal_reference,
    period_of,
)
from syncs.mapping import InvalidRecord, MappingSet, MissingMapping, content_hash
from syncs.models import IdMap, WriteIntent

REVERSAL_PREFIX = "MLR"


def reversal_reference(key: str) -> str:
    return (REVERSAL_PREFIX + key)[:REFERENCE_LENGTH]


def pay_window_start(options: dict, end: datetime) -> datetime:
    """The first pay date read: `pay_dates_from` when set (a first load of history), else the look-back."""
    if options.get("pay_dates_from"):
        return datetime.fromisoformat(options["pay_dates_from"]).replace(tzinfo=timezone.utc)
    return end - timedelta(days=int(options.get("pay_lookback_days", 62)))


def posting(mapped: dict) -> dict:
    """What is sent to Visma: the mapped journal without the pre-flight's and the hierarchy's bookkeeping."""
    return {k: v for k, v in mapped.items() if k not in ("sources", "allocations")}


class PayRuns(PayRunDrift, VismaJournalStream):
    name = "pay_runs"
    value_maps = {PAY_CODE_MAP: PAY_CODE_MAP_TITLE, PAY_CATEGORY_MAP: PAY_CATEGORY_MAP_TITLE,
                  DEPARTMENT_SEGMENT_MAP: DEPARTMENT_SEGMENT_MAP_TITLE, COST_CENTER_MAP: COST_CENTER_MAP_TITLE}

    def __init__(self, ctx: FlowContext, org: OrgUnitsRead | None = None):
        super().__init__(ctx)
        options = ctx.options
        self.org = org or OrgUnitsRead(ctx)
        self.nested = options.get("hierarchy_mode") == HIERARCHY_NESTED
        self.pay_groups = [str(g) for g in options.get("pay_groups") or []]
        self.dimension = options.get("cost_center_dimension", "SUBACCOUNT")
        self.journal_options = JournalOptions(
            clearing_account=str(options.get("pay_clearing_account") or ""), cost_center_map=COST_CENTER_MAP,
            cost_center_segment=int(options.get("cost_center_segment", 2)),
            department_segment=int(options.get("department_segment", 1)))
        self.approval_required = bool(options.get("approval_required"))
        self._accounting: Accounting | None = None
        self._posted: dict[str, str] | None = None
        self.forbidden: VendorPermissionError | None = None

    # --- read -------------------------------------------------------------------------------
    def fetch(self, cursor: dict) -> Iterator[Page]:
        if not self.pay_groups or not self.journal_options.clearing_account:
            return  # not configured for journals (notes() says what is missing)
        end = self.ctx.started_at or self.ctx.watermark_next()
        start = pay_window_start(self.ctx.options, end)
        for pay_group in self.pay_groups:
            try:
                lines = self.source.pay_summaries(start, end, pay_group=pay_group)
            except VendorPermissionError as refused:
                # The role may read people but not pay: say so where people look (the connection, the run)
                # and let the other streams finish. The next pay group would get the same answer.
                self.forbidden = refused
                connection_problem_note(connection_id=self.ctx.integration.source_id, message=refused.message)
                return
            yield Page(pay_runs_of(pay_group, lines), {})

    def notes(self) -> list[str]:
        missing = [name for name, value in (("pay_groups", self.pay_groups),
                                            ("pay_clearing_account", self.journal_options.clearing_account))
                   if not value]
        return [f"Pay runs are not posted: set the integration option(s) {', '.join(missing)}."] if missing else []

    def problem(self):
        return self.forbidden

    def source_id(self, record: dict) -> str:
        return pay_run_id(record["pay_group"], record["pay_date"])

    # --- map + pre-flight -------------------------------------------------------------------
    def map(self, record: dict, mappings: MappingSet) -> dict:
        if not record.get("pay_date"):
            raise InvalidRecord("pay-summary lines without a PayDate")
        journal = self.journal_for(record, mappings)
        if self.posted().get(self.source_id(record)) == content_hash(journal):
            # Posted already and unchanged: nothing will be written, so nothing to check or approve (its
            # period may well be closed by now, as old periods are).
            return journal
        period = period_of(journal)
        preflight(journal, self.accounting(period), period)
        if self.approval_required:
            decision = approvals.journal_approval_state(integration=self.ctx.integration, stream=self.name,
                                                        source_id=self.source_id(record), journal=journal)
            if decision is not None:
                raise PayRunHeld(*decision)
        return journal

    def journal_for(self, record: dict, mappings: MappingSet) -> dict:
        """The pay run's journal, before the pre-flight (drift compares this too). A posted pay run keeps the
        hierarchy it was posted with (journal_of), also across a switch of the hierarchy mode."""
        if self.nested and self.journal_options.org_tree is None:
            # Nested: a line names its org unit with the unit's parents, so the hierarchy is read (once a run).
            self.journal_options.org_tree = self.org.tree()
        source_id = self.source_id(record)
        posted = self.posted().get(source_id)
        allocations = self.posted_allocation(source_id) if posted and self.nested else None
        journal = journal_of(record, mappings, self.journal_options, allocations)
        if posted and posted != content_hash(journal):
            allocations = allocations if self.nested else self.posted_allocation(source_id)
            journal = self.as_posted_in_other_mode(record, mappings, allocations) or journal
        return journal

    def posted(self) -> dict[str, str]:
        """Content hash of each pay run's posted journal (the id map), read once per run."""
        if self._posted is None:
            self._posted = dict(IdMap.objects.filter(integration=self.ctx.integration, stream=self.name)
                                .values_list("source_id", "content_hash"))
        return self._posted

    def posted_allocation(self, source_id: str) -> dict | None:
        """The org units' level values the posted version of a pay run was booked with (None: posted flattened)."""
        intent = (WriteIntent.objects.filter(integration=self.ctx.integration, stream=self.name, source_id=source_id,
                                             state=WriteIntent.State.CONFIRMED).order_by("-created_at").first())
        return (intent.payload.get("allocations") or None) if intent else None

    def as_posted_in_other_mode(self, record: dict, mappings: MappingSet, allocations: dict | None) -> dict | None:
        """A pay run posted before the hierarchy mode was switched, as it was posted, if its lines are the same
        (decision: switching modes shapes later journals, it never reverses and reposts history)."""
        if self.nested == bool(allocations):
            return None  # posted in this mode: a different journal is a real correction
        mode = HIERARCHY_NESTED if allocations else HIERARCHY_FLATTENED
        other = replace(self.journal_options, org_tree=OrgTree({}, {**self.ctx.options, "hierarchy_mode": mode}))
        try:
            journal = journal_of(record, mappings, other, allocations)
        except (InvalidRecord, MissingMapping):
            return None  # a new org unit or a mapping gone: not the posted journal
        return journal if content_hash(journal) == self.posted()[self.source_id(record)] else None

    def accounting(self, period_id: str) -> Accounting:
        """Visma's periods, accounts and segment values, read once per run (a period when first asked)."""
        if self._accounting is None:
            segments = (self.journal_options.department_segment, *self.journal_options.tree().segments())
            self._accounting = Accounting(
                periods={}, accounts={a["accountCd"] for a in self.destination.iter_accounts() if a.get("active", True)},
                segment_values={s: {v["valueId"] for v in self.destination.list_cost_centers(self.dimension, s)
                                    if v.get("active", True)} for s in segments})
        if period_id not in self._accounting.periods:
            self._accounting.periods[period_id] = self.destination.financial_period(period_id)
        return self._accounting

    # --- write ------------------------------------------------------------------------------
    def write_intent(self, intent: Intent) -> str:
        journal = posting(intent.mapped)
        assert_balanced(journal)  # asserted again right before posting, whatever planned it
        if not intent.target_id:
            return self.post(journal, journal_reference(intent.key))
        # A corrected pay run: reverse what was posted, then post the new version; never edit a posted one.
        posted, _ = self.destination.get(f"{JOURNAL_TRANSACTIONS}/{path_key(intent.target_id)}")
        reference = reversal_reference(intent.key)
        earlier = self.destination.find_journal_transaction(reference, period_of(posted))
        reversal = str(earlier["batchNumber"]) if earlier else self.post(reversal_of(posted), reference)
        new = self.post(journal, journal_reference(intent.key))
        intent.note = (f"corrected pay run: journal transaction {intent.target_id} reversed by {reversal}, "
                       f"reposted as {new}")
        return new

    def post(self, journal: dict, reference: str) -> str:
        lines = [{**line, "referenceNumber": reference} for line in journal["journalTransactionLines"]]
        key, _ = self.destination.create_journal_transaction({**journal, "journalTransactionLines": lines})
        return key

    def reconcile(self, intent: Intent) -> str | None:
        found = self.destination.find_journal_transaction(journal_reference(intent.key), period_of(intent.mapped))
        if found and intent.target_id:
            intent.note = f"corrected pay run: journal transaction {intent.target_id} reversed, reposted as " \
                          f"{found['batchNumber']} (found by reconciliation)"
        return str(found["batchNumber"]) if found else None
