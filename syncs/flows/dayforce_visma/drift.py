"""The drift report of Dayforce pay runs → Visma.net journal transactions (the hooks of syncs/flows/base.py).

A pay run (pay group + pay date) in Dayforce's look-back window is compared with the journal transaction the id
map says it was posted as, among the journals of the window's financial periods in Visma:

* **missing**: never posted (held by the pre-flight or an approval, or not run yet), or posted and gone from Visma;
* **extra**: a journal carrying our `MLC…` reference in one of the window's periods that no pay run of this
  integration accounts for (a pay run deleted in Dayforce, an id map lost, a copy posted by hand). A journal
  whose reversal is posted (`MLR…`, "Reversal of <batch>") is a settled correction, not extra; journals whose
  description names a pay group this integration does not read belong to another integration and are left alone;
* **differs / changed**: debit, credit or the net pay debit of a cost centre differ (changed: only Visma moved
  since our posting, e.g. a line edited there; differs: Dayforce's pay run changed and is not reposted yet).

Control totals per financial period: pay runs, and their total debit, in Dayforce and in Visma.

Mapping for the report is the pure journal (journal.py): the stream's own map() also runs the accounting pre-flight
and asks for approvals, which a report must not do.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from syncs.flows.dayforce_visma.journal import totals
from syncs.flows.drift import UNKNOWN, ControlTotal, DriftInput, FieldDiff, Finding, Kind
from syncs.flows.visma_journal import REFERENCE_PREFIX, period_of
from syncs.mapping import InvalidRecord, MappingSet

ZERO = Decimal("0.00")
DESCRIPTION = "Dayforce pay run "  # journal.py's description: "Dayforce pay run <pay group> <pay date>"
REVERSED = "Reversal of "


def as_posted(journal: dict) -> dict:
    """A journal read from Visma with its lines' subaccounts as journal.py writes them (a list of segments)."""
    lines = []
    for line in journal.get("journalTransactionLines") or []:
        subaccount = line.get("subaccount")
        if isinstance(subaccount, dict):
            subaccount = subaccount.get("segments") or []
        lines.append({**line, "subaccount": [{"segmentId": s.get("segmentId"), "segmentValue": s.get("segmentValue")}
                                             for s in subaccount or []]})
    return {**journal, "journalTransactionLines": lines}


def months(start: date, end: date) -> list[str]:
    """YYYYPP of every month from start to end (Visma's periods are calendar months here)."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append(f"{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def amount(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


class PayRunDrift:
    """Mixed into PayRuns (pay_runs.py): the pay runs of the window against the MLC journals of its periods."""

    def drift_map(self, record: dict, mappings: MappingSet) -> dict:
        if not record.get("pay_date"):
            raise InvalidRecord("pay-summary lines without a PayDate")
        return self.journal_for(record, mappings)  # pay_runs.py: the hierarchy mode and what was posted

    def drift_journals(self) -> dict[str, dict]:
        """Our journals (MLC reference, not reversed) of the window's periods, by batch number; read once."""
        if getattr(self, "_drift_journals", None) is None:
            from syncs.flows.dayforce_visma.pay_runs import REVERSAL_PREFIX, pay_window_start

            end = self.ctx.started_at or self.ctx.watermark_next()
            posted, reversed_batches = {}, set()
            for period in months(pay_window_start(self.ctx.options, end).date(), end.date()):
                for journal in self.destination.iter_journal_transactions(period_id=period):
                    references = {str(line.get("referenceNumber") or "")
                                  for line in journal.get("journalTransactionLines") or []}
                    description = str(journal.get("description") or "")
                    if any(r.startswith(REVERSAL_PREFIX) for r in references) and description.startswith(REVERSED):
                        # journal.reversal_of: "Reversal of <batch>: …", posted by the correction that reposted it
                        reversed_batches.add(description.removeprefix(REVERSED).split(":", 1)[0])
                    elif any(r.startswith(REFERENCE_PREFIX) for r in references) and self.drift_pay_group_ours(journal):
                        posted[str(journal["batchNumber"])] = as_posted(journal)
            self._drift_journals = {batch: journal for batch, journal in posted.items()
                                    if batch not in reversed_batches}
        return self._drift_journals

    def drift_pay_group_ours(self, journal: dict) -> bool:
        description = str(journal.get("description") or "")
        if not description.startswith(DESCRIPTION):
            return True  # an MLC journal whose description was changed: still ours to account for
        return description.removeprefix(DESCRIPTION).rsplit(" ", 1)[0] in self.pay_groups

    def drift_compare(self, given: DriftInput) -> list[Finding] | None:
        if not self.pay_groups or not self.journal_options.clearing_account or self.problem() is not None:
            return None  # not configured for journals, or the role may not read pay data: nothing to compare
        journals = self.drift_journals()
        segment = self.journal_options.department_segment  # totals(): the cost centre is all but the department
        findings, claimed = [], {w.target_id for s, w in given.written.items() if s in given.unmappable}
        for source_id, journal in given.expected.items():
            written = given.written.get(source_id)
            posted = journals.get(written.target_id) if written else None
            if posted is None:
                findings.append(Finding(Kind.MISSING, source_id, written.target_id if written else "",
                                        note=f"posted as journal {written.target_id}, not in Visma (any more)"
                                        if written else "not posted (held, awaiting approval, or not run yet)"))
                continue
            claimed.add(written.target_id)
            now, there = totals(journal, segment), totals(posted, segment)
            last = totals(written.payload, segment) if written.payload else None
            compared = [("debit", now.debit, there.debit, last and last.debit),
                        ("credit", now.credit, there.credit, last and last.credit)]
            compared += [(f"cost_center.{center}", now.by_cost_center.get(center, ZERO),
                          there.by_cost_center.get(center, ZERO), last and last.by_cost_center.get(center, ZERO))
                         for center in sorted(set(now.by_cost_center) | set(there.by_cost_center))]
            diffs = [FieldDiff(name, amount(a), amount(b), UNKNOWN if c is None else amount(c))
                     for name, a, b, c in compared if a != b]
            if diffs:
                kind = Kind.CHANGED if {d.moved for d in diffs} == {"destination"} else Kind.DIFFERS
                findings.append(Finding(kind, source_id, written.target_id, diffs))
        findings += [Finding(Kind.EXTRA, target_id=batch, note=f"'{journal.get('description')}' carries our "
                             "reference, but no pay run of this integration accounts for it")
                     for batch, journal in journals.items() if batch not in claimed]
        return findings

    def control_totals(self, given: DriftInput) -> list[ControlTotal]:
        if not self.pay_groups or self.problem() is not None:
            return []
        runs, debit = Counter(), Counter()
        for journal in given.expected.values():
            runs[period_of(journal)] += 1
            debit[period_of(journal)] += amount(totals(journal).debit)
        for source_id in given.unmappable:  # "<pay group>:<pay date>": counted, though its journal cannot be made
            pay_date = source_id.rsplit(":", 1)[-1]
            runs[pay_date[:4] + pay_date[5:7]] += 1
        posted_runs, posted_debit = Counter(), Counter()
        for journal in self.drift_journals().values():
            period = str(journal.get("financialPeriod") or period_of(journal))
            posted_runs[period] += 1
            posted_debit[period] += amount(totals(journal).debit)
        periods = sorted(set(runs) | set(posted_runs))
        return ([ControlTotal("pay runs per period", p, runs[p], posted_runs[p]) for p in periods] +
                [ControlTotal("total debit per period", p, round(debit[p], 2), round(posted_debit[p], 2))
                 for p in periods])
