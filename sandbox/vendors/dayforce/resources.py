"""The Dayforce REST resources a sync reads (docs/vendors/dayforce.md §2–§5): ClientMetadata, Employees with
their details and sub-collections, OrgUnits and EmployeePaySummaries.

`ResourcesMixin` is mixed into `DayforceSandbox` (app.py), which routes to these handlers and provides
`namespaces`, `now`, `detail_limit` and `service_uri`. What they share is here too: the Basic-or-Bearer
check with its features (§2), date arguments, and `BadRequest`, which lets a check deep in a handler answer
with Dayforce's own ProcessResults refusal. How records are shown is views.py; pay summary paging payroll.py.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.dayforce.contract import PAY_DATA, READ_DATA, UNCONFIRMED, envelope, parse_date, process_results
from sandbox.vendors.dayforce.payroll import QUERY_ARGS, cursor_query, pay_summary_page
from sandbox.vendors.dayforce.store import Namespace
from sandbox.vendors.dayforce.views import (
    COLLECTIONS, employee_view, expand_names, matches_search, org_unit_view, updated_between,
)


class BadRequest(Exception):
    """A refusal (400/401/403) raised from deep in a handler, answered by `@refusals_answered`."""

    def __init__(self, response: Response):
        self.response = response


def refusals_answered(handler):
    @functools.wraps(handler)
    def answered(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except BadRequest as refused:
            return refused.response
    return answered


class ResourcesMixin:
    # --- authentication and authorisation (§2) ---------------------------------------------
    def authorize(self, request: Request, ns: str, feature: str | None = READ_DATA):
        """(namespace, user) a request may read as, or raises BadRequest with the 401/403 Dayforce answers."""
        namespace = self.namespaces.get(ns)
        user = None
        if namespace is not None:
            if request.authorization and request.authorization.type == "basic":
                # REST calls also accept HTTP Basic with the same user and password (§2, SPEC securitySchemes).
                candidate = namespace.users.get(request.authorization.username or "")
                if candidate and candidate.password == request.authorization.password:
                    user = candidate
            elif (token := self.tokens.validate(self.bearer(request))) is not None:
                if token.subject["ns"] != ns:
                    body = UNCONFIRMED["unauthorized"]
                    raise BadRequest(process_results(UNCONFIRMED["namespace_mismatch_status"], body["Code"],
                                                     body["Message"]))
                user = namespace.users.get(token.subject["username"])
        if user is None:
            body = UNCONFIRMED["unauthorized"]
            raise BadRequest(process_results(401, body["Code"], body["Message"]))
        if feature is not None and feature not in user.features:
            body = UNCONFIRMED["forbidden"]
            raise BadRequest(process_results(403, body["Code"], body["Message"]))
        return namespace, user

    @staticmethod
    def date_arg(request: Request, name: str, bare: bool = False) -> datetime | None:
        value = request.args.get(name)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            body = UNCONFIRMED["invalid_date"]
            raise BadRequest(process_results(400, body["Code"], body["Message"].format(value=value), context=name,
                                             bare=bare)) from None

    def context_window(self, request: Request) -> tuple[datetime, datetime]:
        """contextDate (default now), or contextDateRangeFrom/To, for effective-dated records (§4.2)."""
        start = self.date_arg(request, "contextDateRangeFrom")
        end = self.date_arg(request, "contextDateRangeTo")
        if start or end:
            return start or datetime.min.replace(tzinfo=timezone.utc), end or datetime.max.replace(tzinfo=timezone.utc)
        moment = self.date_arg(request, "contextDate") or self.now()
        return moment, moment
    # --- endpoints ------------------------------------------------------------------------------
    @refusals_answered
    def client_metadata(self, request: Request, ns: str) -> Response:
        self.authorize(request, ns, feature=None)
        # SPEC: a bare ClientMetadata object, without the Data envelope.
        return json_response({"ServiceVersion": UNCONFIRMED["service_version"], "ServiceUri": self.service_uri(request)})

    @refusals_answered
    def list_employees(self, request: Request, ns: str) -> Response:
        namespace, _ = self.authorize(request, ns)
        employees = list(namespace.employees.values())
        start, end = request.args.get("filterUpdatedStartDate"), request.args.get("filterUpdatedEndDate")
        if start or end:
            # Delta search: both ends or a 400 (§4.1, SPEC parameter text).
            if not (start and end):
                body = UNCONFIRMED["unpaired_updated_filter"]
                return process_results(400, body["Code"], body["Message"],
                                       context="filterUpdatedEndDate" if start else "filterUpdatedStartDate")
            window = (self.date_arg(request, "filterUpdatedStartDate"), self.date_arg(request, "filterUpdatedEndDate"))
            # filterUpdatedEntities narrows the search, and is ignored without the range (SPEC).
            entities = request.args.get("filterUpdatedEntities")
            entities = {e.strip().lower() for e in entities.split(",")} if entities else None
            employees = [e for e in employees if updated_between(e, *window, entities)]
        moment = self.date_arg(request, "contextDate") or self.now()
        employees = [e for e in employees if matches_search(e, request.args, moment)]
        if namespace.search_order == "reversed":
            employees.reverse()
        # The search answers XRefCodes only, in one unpaginated Data array (§4.1).
        return envelope([{"XRefCode": e["master"]["XRefCode"]} for e in employees])

    def employee(self, namespace: Namespace, xref: str) -> dict:
        employee = namespace.employees.get(xref)
        if employee is None:
            # An unknown XRefCode is a 400 with ProcessResults, not a 404 (SPEC parameter text, §3).
            body = UNCONFIRMED["unknown_employee"]
            raise BadRequest(process_results(400, body["Code"], body["Message"].format(xref=xref), context="xRefCode"))
        return employee

    @refusals_answered
    def employee_details(self, request: Request, ns: str, xref: str) -> Response:
        if (limited := self.detail_limit(ns)) is not None:
            return limited
        namespace, user = self.authorize(request, ns)
        employee = self.employee(namespace, xref)
        start, end = self.context_window(request)
        return envelope(employee_view(employee, expand=expand_names(request.args.get("expand")), start=start,
                                      end=end, org_units=namespace.org_units, hidden=user.hidden_fields))

    @refusals_answered
    def employee_collection(self, request: Request, ns: str, xref: str, collection: str) -> Response:
        name = COLLECTIONS.get(collection.lower())
        if name is None:
            return self.error_response(404, f"No such resource: {request.path}")
        if (limited := self.detail_limit(ns)) is not None:
            return limited
        namespace, user = self.authorize(request, ns)
        start, end = self.context_window(request)
        view = employee_view(self.employee(namespace, xref), expand=[name], start=start, end=end,
                             org_units=namespace.org_units, hidden=user.hidden_fields)
        # Sub-resource GETs return the items directly in Data (§4.2).
        return envelope(view[name]["Items"])

    @refusals_answered
    def list_org_units(self, request: Request, ns: str) -> Response:
        namespace, _ = self.authorize(request, ns)
        return envelope([{"XRefCode": xref} for xref in namespace.org_units])

    @refusals_answered
    def org_unit_details(self, request: Request, ns: str, xref: str) -> Response:
        namespace, _ = self.authorize(request, ns)
        unit = namespace.org_units.get(xref)
        if unit is None:
            # The spec gives OrgUnits a bare array of ProcessResult as its 400 body.
            body = UNCONFIRMED["unknown_org_unit"]
            return process_results(400, body["Code"], body["Message"].format(xref=xref), context="XrefCode", bare=True)
        expand = {part.strip().lower() for part in request.args.get("expand", "").split(",")}
        moment = self.date_arg(request, "contextDate", bare=True) or self.now()
        children = request.args.get("includeChildOrgUnits", "").lower() == "true" or "childorgunits" in expand
        return envelope(org_unit_view(unit, org_units=namespace.org_units, moment=moment,
                                      parents="orgunitparents" in expand, children=children))

    @refusals_answered
    def pay_summaries(self, request: Request, ns: str) -> Response:
        self.authorize(request, ns)  # without Read Data nothing at all is readable
        namespace, _ = self.authorize(request, ns, PAY_DATA)
        if cursor := request.args.get("cursor"):
            query = cursor_query(cursor)
        else:
            names = ("filterPaySummaryStartDate", "filterPaySummaryEndDate")
            if missing := [name for name in names if not request.args.get(name)]:
                # Both pay-summary dates are required (SPEC `required: true`).
                body = UNCONFIRMED["missing_pay_summary_dates"]
                return process_results(400, body["Code"], body["Message"], context=missing[0])
            for name in names:
                self.date_arg(request, name)
            query = {name: request.args[name] for name in QUERY_ARGS if request.args.get(name)}
        if query is None:
            body = UNCONFIRMED["invalid_cursor"]
            return process_results(400, body["Code"], body["Message"], context="cursor")
        page, following = pay_summary_page(namespace.pay_runs, query)
        # The next page is an absolute URL with an opaque cursor and nothing else (§5, DG-PAGE).
        return envelope(page, Paging={"Next": f"{request.base_url}?cursor={following}" if following else ""})
