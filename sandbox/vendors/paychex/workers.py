"""Paychex workers: the paged and filtered list, one worker and its sub-resources, and the mutations that
notify hooks (docs/vendors/paychex.md §4, §5, §8).

A mutation changes the worker as Paychex Flex's own screens would, then publishes one notification per
webhook domain the change touches (contract.DOMAIN_FIELDS): hire → WRKR_ADD, a name → WRKR_DEM, a
termination → WRKR_EMPL, a job change or a move to another organization → WRKR_ASGN, a pay rate → WRKR_CMP.
"""
from __future__ import annotations

import copy
from datetime import datetime, timezone

from werkzeug.wrappers import Request, Response

from sandbox.vendors.paychex import seed
from sandbox.vendors.paychex.contract import (
    DOMAIN_FIELDS,
    NON_PII_FIELDS,
    PAGING_PARAMETERS,
    ROSTER_FIELDS,
    UNCONFIRMED,
    WORKER_FILTER_GROUPS,
)

WORKER_SUB_RESOURCES = {"status": "_status", "communications": "_communications",
                        "compensation/payrates": "_payrates", "paycomponents": "_paycomponents"}


def _day(value: str) -> str:
    return value[:10]


class WorkersMixin:
    WORKER_OPERATIONS = [
        ("/companies/{companyId}/workers", ["GET"], "list_workers"),
        ("/workers/{workerId}", ["GET"], "get_worker"),
        *[(f"/workers/{{workerId}}/{sub}", ["GET"], "worker_sub_resource") for sub in WORKER_SUB_RESOURCES],
    ]

    # --- representations ------------------------------------------------------------------------------
    def worker_resource(self, request: Request, worker: dict, media_type: str) -> dict:
        """The worker in the profile the media type selects (docs/vendors/paychex.md §1, §4)."""
        served = self.served(worker)
        wid = worker["workerId"]
        links = [{"rel": "self", "href": self.api_link(request, f"/workers/{wid}")},
                 {"rel": "communications", "href": self.api_link(request, f"/workers/{wid}/communications")}]
        if worker.get("supervisor"):
            links.append({"rel": "supervisor",
                          "href": self.api_link(request, f"/workers/{worker['supervisor']['workerId']}")})
        served["links"] = links
        if "communications" in media_type or "roster" in media_type:
            served["communications"] = [self.served(c) for c in worker["_communications"]]
        if "nonpii" in media_type:
            served = {k: v for k, v in served.items() if k not in NON_PII_FIELDS}
        if "roster" in media_type:
            served = {k: v for k, v in served.items() if k in ROSTER_FIELDS}
        return served

    # --- GET /companies/{companyId}/workers --------------------------------------------------------------
    def list_workers(self, request: Request, company_id: str) -> Response:
        _, media_type, denied = self.begin(request, company_id)
        if denied is not None:
            return denied
        args = request.args
        groups = [g for g in WORKER_FILTER_GROUPS if g & set(args)]
        paging = PAGING_PARAMETERS & set(args)
        # One filter group at a time; "paging and filtering attributes cannot be applied together".
        if len(groups) > 1 or (groups and paging and UNCONFIRMED["lone_paging_parameter_is_paging"]):
            return self.paychex_error(400, "API-40")
        workers = list(self.company_data[company_id]["workers"].values())
        if groups:
            workers = [w for w in workers if self._matches(w, args)]
            if not workers:
                return self.paychex_error(404, "API-43")
        items = [self.worker_resource(request, w, media_type) for w in workers]
        # An ETag per listing, which the next page may send back (UNCONFIRMED["etag_snapshot"]).
        headers = {"ETag": f'"workers-{company_id}-{len(workers)}"'}
        if paging != PAGING_PARAMETERS:  # only both parameters page (docs/vendors/paychex.md §5)
            return self.collection(request, items, media_type, headers=headers)
        try:
            offset, limit = int(args["offset"]), int(args["limit"])
        except ValueError:
            return self.paychex_error(400, "API-40")
        if offset < 0 or limit < 1:
            return self.paychex_error(400, "API-40")
        limit = min(limit, UNCONFIRMED["max_page_size"])
        page = items[offset:offset + limit]
        base = f"/companies/{company_id}/workers"
        links = []
        if offset + limit < len(items):
            links.append({"rel": "next", "href": self.api_link(request, f"{base}?offset={offset + limit}"
                                                                        f"&limit={limit}")})
        if offset > 0:
            links.append({"rel": "previous", "href": self.api_link(
                request, f"{base}?offset={max(0, offset - limit)}&limit={limit}")})
        pagination = {"offset": offset, "limit": limit, "itemCount": len(items), "total": len(items)}
        return self.collection(request, page, media_type, metadata={"pagination": pagination}, links=links,
                               headers=headers)

    @staticmethod
    def _matches(worker: dict, args) -> bool:
        name = worker.get("name") or {}
        checks = {
            "givenname": lambda v: (name.get("givenName") or "").lower() == v.lower(),
            "familyname": lambda v: (name.get("familyName") or "").lower() == v.lower(),
            "legallastfour": lambda v: (worker.get("legalId") or {}).get("legalIdValue", "")[-4:] == v,
            "employeeid": lambda v: worker.get("employeeId") == v,
            "locationid": lambda v: worker.get("locationId") == v,
            # from/to: the worker's creation (hire) date range (docs/vendors/paychex.md §4, §6)
            "from": lambda v: _day(worker["hireDate"]) >= _day(v),
            "to": lambda v: _day(worker["hireDate"]) <= _day(v),
        }
        return all(check(args[key]) for key, check in checks.items() if key in args)

    # --- GET /workers/{workerId} and its sub-resources ---------------------------------------------------
    def _worker_for(self, request: Request, worker_id: str):
        worker = self.workers.get(worker_id)
        _, media_type, denied = self.begin(request, worker["_company"] if worker else None)
        if denied is None and worker is None:
            denied = self.paychex_error(404, "API-7")
        return worker, media_type, denied

    def get_worker(self, request: Request, worker_id: str) -> Response:
        worker, media_type, denied = self._worker_for(request, worker_id)
        if denied is not None:
            return denied
        return self.single(self.worker_resource(request, worker, media_type), media_type)

    def worker_sub_resource(self, request: Request, worker_id: str) -> Response:
        worker, media_type, denied = self._worker_for(request, worker_id)
        if denied is not None:
            return denied
        sub = request.path.split(f"/workers/{worker_id}/", 1)[1].rstrip("/")
        items = []
        for item in worker[WORKER_SUB_RESOURCES[sub]]:
            served = self.served(item)
            item_id = next((v for k, v in item.items() if k in ("communicationId", "rateId", "workerComponentId")),
                           None)
            if item_id:
                served["links"] = [{"rel": "self", "href": self.api_link(request, f"/workers/{worker_id}/{sub}/"
                                                                                  f"{item_id}")}]
            items.append(served)
        return self.collection(request, items, media_type)

    # --- mutations that notify hooks (docs/vendors/paychex.md §8) -----------------------------------------
    def notify(self, company_id: str, domains, action: str, worker_id: str | None = None,
               notification_type: str = "WORKER_MESSAGE") -> list[dict]:
        linked = {key for key, app in self.apps.items() if company_id in app.company_ids}
        return [self.dispatcher.publish(company_id=company_id, domain=domain, action=action, linked_apps=linked,
                                        worker_id=worker_id, notification_type=notification_type)
                for domain in domains]

    def _today(self) -> str:
        return datetime.fromtimestamp(self.clock.now(), tz=timezone.utc).strftime("%Y-%m-%dT00:00:00Z")

    def hire(self, company_id: str = seed.DEMO_COMPANY_ID, *, given_name: str, family_name: str,
             employee_id: str, job_title_id: str | None = None, organization_id: str | None = None,
             location_id: str | None = None, hire_date: str | None = None) -> dict:
        reference = self.company_data[company_id]["reference"]
        title = next((t for t in reference["jobtitles"] if t["jobTitleId"] == job_title_id), reference["jobtitles"][0])
        org = next((o for o in reference["organizations"] if o["organizationId"] == organization_id),
                   reference["organizations"][0])
        loc = next((l for l in reference["locations"] if l["locationId"] == location_id), reference["locations"][0])
        workers = self.company_data[company_id]["workers"]
        worker = seed.seed_worker(company_id, len(workers) + 1, given_name, family_name, employee_id, title, org,
                                  loc, _day(hire_date or self._today()))
        workers[worker["workerId"]] = self.workers[worker["workerId"]] = worker
        self.notify(company_id, ["WRKR_ADD"], "ADD", worker["workerId"])
        return self.served(worker)

    def worker_edit(self, worker_id: str, **changes) -> dict:
        """Change worker fields (top-level names of the worker record); notifies every domain touched."""
        worker = self.workers[worker_id]
        for key, value in changes.items():
            worker[key] = copy.deepcopy(value)
        domains = [d for d, fields in DOMAIN_FIELDS.items() if fields & set(changes)]
        self.notify(worker["_company"], domains, "UPDATE", worker_id)
        return self.served(worker)

    def terminate(self, worker_id: str, *, effective_date: str | None = None, reason: str = "CUSTOM_UNKNOWN") -> dict:
        worker = self.workers[worker_id]
        status = {"workerStatusId": f"{worker_id}S{len(worker['_status']) + 1}", "statusType": "TERMINATED",
                  "statusReason": reason, "effectiveDate": effective_date or self._today()}
        worker["_status"].insert(0, {**status, "order": 0})
        return self.worker_edit(worker_id, currentStatus=status)

    def job_change(self, worker_id: str, *, job_title_id: str) -> dict:
        worker = self.workers[worker_id]
        title = next(t for t in self.company_data[worker["_company"]]["reference"]["jobtitles"]
                     if t["jobTitleId"] == job_title_id)
        return self.worker_edit(worker_id, job={"title": title["title"], "jobTitleId": title["jobTitleId"]})

    def org_move(self, worker_id: str, *, organization_id: str, location_id: str | None = None) -> dict:
        worker = self.workers[worker_id]
        org = next(o for o in self.company_data[worker["_company"]]["reference"]["organizations"]
                   if o["organizationId"] == organization_id)
        changes = {"organization": {"organizationId": org["organizationId"], "name": org["name"],
                                    "number": org["number"]}}
        if location_id:
            changes["locationId"] = location_id
        return self.worker_edit(worker_id, **changes)

    def pay_rate_change(self, worker_id: str, *, amount: str) -> dict:
        worker = self.workers[worker_id]
        worker["_payrates"][0]["amount"] = amount
        self.notify(worker["_company"], ["WRKR_CMP"], "UPDATE", worker_id)
        return self.served(worker)

    def company_access(self, company_id: str, *, granted: bool,
                       client_id: str = seed.DEMO_CREDENTIALS["client_id"]) -> None:
        """The company grants or revokes the application's access: CLT_ACCESS (docs/vendors/paychex.md §8).
        A revoked company is told before access goes, so the notification still reaches the application."""
        app = self.apps[client_id]
        if granted and company_id not in app.company_ids:
            app.company_ids.append(company_id)
        self.notify(company_id, ["CLT_ACCESS"], "UPDATE", notification_type="CLT_ACCESS_MESSAGE")
        if not granted and company_id in app.company_ids:
            app.company_ids.remove(company_id)
