"""Reads for drift reports; every one takes its integration (and so its tenant) explicitly."""
from __future__ import annotations

from drift.models import DriftItem, DriftReport
from syncs.models import Integration

SHOWN_ITEMS = 500  # a page of differences; the counts above it say how many there are


def drift_report_latest(*, integration: Integration) -> DriftReport | None:
    return DriftReport.objects.filter(tenant=integration.tenant, integration=integration).order_by("-queued_at",
                                                                                                 "-pk").first()


def drift_items_shown(*, report: DriftReport) -> list[DriftItem]:
    return list(DriftItem.objects.filter(tenant=report.tenant, report=report)
                .select_related("fix_run")[:SHOWN_ITEMS])


def drift_items_open(*, report: DriftReport):
    return DriftItem.objects.filter(tenant=report.tenant, report=report, state=DriftItem.State.OPEN)
