"""Dayforce → Visma in nested hierarchy mode, as the end-to-end tests set it up: the company's subaccount keeps
the hierarchy (segment 1 the department, then one segment per org level: Region · Site · Department), and an
employee's allocation names their org unit with its parents."""
from __future__ import annotations

from syncs.models import IdMap
from tests.e2e.test_dayforce_visma_journals import journal_integration

LEVELS = {"Region": 2, "Site": 3, "Department": 4}
# Org units as the mapping numbers them (tests.e2e.test_dayforce_visma.ORG_UNITS → 5000 + n).
NORTH, WEST, OSLO, BERGEN, OSLO_ENG, OSLO_SALES, BERGEN_OPS = "5001", "5002", "5003", "5005", "5007", "5008", "5011"
FRANCES, KEN = "42106", "42109"  # the two people in Oslo Sales


def nested_integration(tenant, make_sandbox_connection, visma, **options):
    """An integration in nested mode over a Visma company whose subaccount has a segment per org level."""
    visma.dimension_add("SUBACCOUNT", {1: ("Department", 2), 2: ("Region", 4), 3: ("Site", 4), 4: ("Unit", 4)},
                        values={1: {"10": "Administration", "20": "Sales", "30": "Operations", "40": "IT"}})
    return journal_integration(tenant, make_sandbox_connection, hierarchy_mode="nested", nested_segments=LEVELS,
                               **{"pay_dates_from": "2026-11-01", "page_size": 12, **options})


def allocation(integration, visma, xref) -> list[str]:
    """The subaccount segment values of employee `xref` as Visma keeps them."""
    target = IdMap.objects.get(integration=integration, stream="employees", source_id=xref).target_id
    return [item["segmentValue"] for item in visma.record("employee", target)["subaccount"]]
