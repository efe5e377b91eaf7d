"""What the Paychex client reads and registers: workers (paged), one worker with its assignment,
organization and location, the company reference lists, and webhook hooks (docs/vendors/paychex.md §4, §5, §8).

Every read names the vendor media type of its representation; Paychex answers 406 API-75 to any other
(docs/vendors/paychex.md §1). Collections and single resources alike come in `content` (§3).
"""
from __future__ import annotations

from typing import Iterator
from urllib.parse import quote

# The profiles with communications (e-mail addresses), as TAP and CSHARP request them (docs/vendors/paychex.md §1).
WORKERS_MEDIA_TYPE = "application/vnd.paychex.workers_communications.v1+json"
WORKER_MEDIA_TYPE = "application/vnd.paychex.worker_communications.v1+json"
# Company reference lists: method name → (path under the company, media type, its one-item media type).
REFERENCE_LISTS = {
    "job_titles": ("jobtitles", "application/vnd.paychex.company.jobtitles.v1+json",
                   "application/vnd.paychex.company.jobtitle.v1+json"),
    "jobs": ("jobs", "application/vnd.paychex.company.jobs.v1+json", "application/vnd.paychex.company.job.v1+json"),
    "organizations": ("organizations", "application/vnd.paychex.company.organizations.v1+json",
                      "application/vnd.paychex.company.organization.v1+json"),
    "locations": ("locations", "application/vnd.paychex.company.locations.v1+json",
                  "application/vnd.paychex.company.location.v1+json"),
    "labor_assignments": ("laborassignments", "application/vnd.paychex.company.laborassignments.v1+json",
                          "application/vnd.paychex.company.laborassignment.v1+json"),
    "pay_components": ("paycomponents", "application/vnd.paychex.payroll.paycomponents.v1+json",
                       "application/vnd.paychex.payroll.paycomponent.v1+json"),
    "pay_frequencies": ("payfrequencies", "application/vnd.paychex.payroll.payfrequencies.v1+json", None),
}
# "Paychex recommend a max 100 page size" (docs/vendors/paychex.md §5).
MAX_PAGE_SIZE = 100
# The webhook domains a worker sync listens to, and company access (docs/vendors/paychex.md §8).
WORKER_DOMAINS = ("WRKR_DEM", "WRKR_CMP", "WRKR_EMPL", "WRKR_ASGN", "WRKR_ADD", "CLT_ACCESS")


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def link(item: dict, rel: str) -> str | None:
    return next((entry.get("href") for entry in item.get("links") or [] if entry.get("rel") == rel), None)


def with_parent(organization: dict) -> dict:
    """An organization with `parentId` read from its parent link (docs/vendors/paychex.md §4)."""
    parent = link(organization, "parent")
    return {**organization, "parentId": parent.rstrip("/").rsplit("/", 1)[-1] if parent else None}


class PaychexResources:
    """Mixed into PaychexClient: uses its `get_resource` and `request`."""

    # --- workers --------------------------------------------------------------------------------
    def worker_pages(self, company_id: str, *, limit: int = MAX_PAGE_SIZE,
                     offset: int = 0) -> Iterator[tuple[list[dict], int]]:
        """(workers, offset of the next page or None) for each page. Paging needs both offset and limit (§5);
        the last page is the one without a `next` link."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        while True:
            body = self.get_resource(f"companies/{_segment(company_id)}/workers", WORKERS_MEDIA_TYPE,
                                     params={"offset": offset, "limit": limit})
            workers = body.get("content") or []
            following = offset + len(workers) if link(body, "next") and workers else None
            yield workers, following
            if following is None:
                return
            offset = following

    def worker(self, worker_id: str) -> dict:
        body = self.get_resource(f"workers/{_segment(worker_id)}", WORKER_MEDIA_TYPE)
        return (body.get("content") or [{}])[0]

    def worker_with_assignment(self, worker_id: str, *, company_id: str) -> dict:
        """The worker, with `assignment` (its labor assignment), `organization` (with parentId) and `location`
        resolved from the company's lists: what a notification-only webhook makes us fetch (§6, §8)."""
        worker = self.worker(worker_id)
        resolved = {**worker, "assignment": None, "location": None}
        if worker.get("laborAssignmentId"):
            resolved["assignment"] = self.company_item(company_id, "labor_assignments", worker["laborAssignmentId"])
        if (worker.get("organization") or {}).get("organizationId"):
            resolved["organization"] = with_parent(self.company_item(
                company_id, "organizations", worker["organization"]["organizationId"]))
        if worker.get("locationId"):
            resolved["location"] = self.company_item(company_id, "locations", worker["locationId"])
        return resolved

    # --- company reference lists -------------------------------------------------------------------
    def company_list(self, company_id: str, name: str) -> list[dict]:
        path, media_type, _ = REFERENCE_LISTS[name]
        items = self.get_resource(f"companies/{_segment(company_id)}/{path}", media_type).get("content") or []
        return [with_parent(i) for i in items] if name == "organizations" else items

    def company_item(self, company_id: str, name: str, item_id: str) -> dict:
        path, _, media_type = REFERENCE_LISTS[name]
        body = self.get_resource(f"companies/{_segment(company_id)}/{path}/{_segment(item_id)}", media_type)
        return (body.get("content") or [{}])[0]

    def job_titles(self, company_id: str) -> list[dict]:
        return self.company_list(company_id, "job_titles")

    def jobs(self, company_id: str) -> list[dict]:
        return self.company_list(company_id, "jobs")

    def organizations(self, company_id: str) -> list[dict]:
        return self.company_list(company_id, "organizations")

    def locations(self, company_id: str) -> list[dict]:
        return self.company_list(company_id, "locations")

    def pay_components(self, company_id: str) -> list[dict]:
        return self.company_list(company_id, "pay_components")

    def pay_frequencies(self, company_id: str) -> list[dict]:
        return self.company_list(company_id, "pay_frequencies")

    # --- webhook hooks (§8): plain JSON, no envelope ------------------------------------------------
    def hook_domains(self) -> list[str]:
        return self.get_resource("management/domains", "application/json")

    def hooks(self) -> list[dict]:
        return self.get_resource("management/hooks", "application/json")

    def hook(self, hook_id: str) -> dict:
        return self.get_resource(f"management/hooks/{_segment(hook_id)}", "application/json")

    def hook_create(self, *, uri: str, domains: list[str], authentication: dict,
                    company_id: str | None = None) -> dict:
        body = {"uri": uri, "domains": list(domains), "authentication": authentication}
        if company_id:
            body["companyId"] = company_id
        return self.json(self.request("POST", "management/hooks", json=body, headers={"Accept": "application/json"}))

    def hook_delete(self, hook_id: str) -> None:
        self.request("DELETE", f"management/hooks/{_segment(hook_id)}", headers={"Accept": "application/json"})
