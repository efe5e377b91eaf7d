"""The Visma.net ERP sandbox served over HTTP (docs/vendors/visma.md §1–§10).

Visma Connect's token endpoint is served under /visma-connect, the ERP API under
/visma: `/v1/…`, `/v2/journaltransaction` and, on the same handlers, the legacy
`/API/controller/api/v1|v2/…` prefix (§1). Everything the contract leaves
UNCONFIRMED is simulated as `contract.UNCONFIRMED` says.
"""
from __future__ import annotations

import copy
import uuid
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from sandbox.core import VendorSandbox, json_response
from sandbox.vendors.visma import seed as seeding
from sandbox.vendors.visma.contract import (
    CUSTOMER_TENANT_ID,
    DEMO_COMPANY_ID,
    DEMO_CREDENTIALS,
    UNCONFIRMED,
)
from sandbox.vendors.visma.periods import period_dto, period_set, periods
from sandbox.vendors.visma.store import RESOURCES, Invalid, Missing, VismaData, page_of, select, stamp_of, unwrap
from sandbox.vendors.visma.webhooks import WebhookDispatcher
from sandbox.vendors.visma.writes import CREATORS, UPDATERS, segment_update

# Keys sent bare inside write bodies: line `operation`, SegmentUpdateDto's segmentId/segmentValue (§4 Writes).
PLAIN_WRITE_KEYS = frozenset({"operation", "segmentId", "segmentValue"})
# DtoSegmentValueUpdate: `value` is the bare value id, description/active are wrapped (§4).
PLAIN_SEGMENT_KEYS = frozenset({"operation", "value"})
LEGACY_ROOT = "/API/controller/api"


def ipp_error(status: int, message: str, code: str = "") -> Response:
    """The classic ERP error body (§9)."""
    code = code or str(status)
    return json_response({
        "ExceptionType": "IPPException", "ExceptionMessage": message, "ExceptionFaultCode": code,
        "ExceptionMessageID": f"{code}_{uuid.uuid4()}", "ExceptionDetails": "",
    }, status)


def etag_of(record: dict) -> str:
    return f'"{record["timeStamp"]}"'  # UNCONFIRMED etag_quoting


def if_match_ok(header: str | None, current: str) -> bool:
    if not header:
        return True
    candidates = [c.strip() for c in header.split(",")]
    return any(c == "*" or c.removeprefix("W/").strip('"') == current for c in candidates)


class VismaSandbox(VendorSandbox):
    name = "visma"
    prefix = "/visma"
    rate_limit = UNCONFIRMED["rate_limit_per_hour"]
    rate_window = 3600.0
    # /_webhooks is the sandbox's own control route, so neither quota nor faults apply to it.
    unthrottled_paths = ("/connect/", "/_webhooks")
    demo_credentials = DEMO_CREDENTIALS

    def __init__(self, clock, log):
        self.data = VismaData()
        self.webhooks = WebhookDispatcher()
        super().__init__(clock, log)

    def prefixes(self):
        return ("/visma", "/visma-connect")

    def routes(self):
        rules = [("/connect/token", ["POST"], "token"),
                 ("/_webhooks", ["GET", "POST"], "webhooks_control")]
        for resource in RESOURCES.values():
            for root in (f"/{resource.version}", f"{LEGACY_ROOT}/{resource.version}"):
                # any() with one choice hands the handler its resource name.
                collection = f"{root}/<any({resource.path}):resource>"
                rules += [(collection, ["GET"], "list_records"), (f"{collection}/<key>", ["GET"], "get_record")]
                if resource.writable:
                    rules += [(f"{collection}/<key>", ["PUT"], "update_record")]
                    rules += [(collection, ["POST"], "create_record")] if resource.creatable else []
        for root in ("/v1", f"{LEGACY_ROOT}/v1"):
            dimension = f"{root}/dimension"
            segment = f"{dimension}/<dimension_id>/<int:segment_id>"
            rules += [
                (dimension, ["GET"], "list_dimensions"),
                (f"{dimension}/<dimension_id>", ["GET"], "get_dimension"),
                (segment, ["GET"], "get_segment"),
                (segment, ["PUT"], "update_segment"),
                (f"{segment}/<value_id>", ["GET"], "get_segment_value"),
                (f"{segment}/publicid/<public_id>", ["GET"], "get_segment_value_by_public_id"),
                (f"{root}/supplierInvoice/<document_type>/<key>", ["GET"], "get_supplier_invoice_by_type"),
                (f"{root}/department", ["GET"], "list_departments"),
                (f"{root}/financialPeriod", ["GET"], "list_financial_periods"),
                (f"{root}/financialPeriod/<period_id>", ["GET"], "get_financial_period"),
            ]
        return rules

    def reset(self):
        self.clients = {DEMO_CREDENTIALS["client_id"]: DEMO_CREDENTIALS["client_secret"]}
        self.company_tenants = {DEMO_CREDENTIALS["tenant_id"]}
        self.customer_tenants = {CUSTOMER_TENANT_ID}
        self.company_ids = {DEMO_COMPANY_ID}
        self.max_page_size = UNCONFIRMED["max_page_size"]
        self.default_page_size = UNCONFIRMED["default_page_size"]
        self.webhooks.reset()
        self.edits_before_put: list[tuple[str, str, dict]] = []
        self.seed()

    # --- the Python API tests, benchmarks and the demo runner use -----------------------------
    def seed(self, *, employees: int = 25, customers: int = 12, suppliers: int = 10, supplier_invoices: int = 30,
             customer_invoices: int = 30, purchase_orders: int = 12, payments: int = 15,
             journal_transactions: int = 12, seed: int = 7) -> None:
        """Replace the company's data with a deterministic data set of these sizes."""
        seeding.seed(self.data, employees=employees, customers=customers, suppliers=suppliers,
                     supplier_invoices=supplier_invoices, customer_invoices=customer_invoices,
                     purchase_orders=purchase_orders, payments=payments,
                     journal_transactions=journal_transactions, seed=seed)

    def table_sizes(self) -> dict[str, int]:
        return {name: len(table) for name, table in self.data.tables.items()}

    def record(self, resource: str, key: str) -> dict | None:
        return self.data.tables[RESOURCES[resource].table].get(key)

    def modify(self, resource: str, key: str, **fields) -> dict:
        """Change a record as an ERP user would in the UI: new timeStamp and lastModifiedDateTime, a webhook."""
        table = self.data.tables[RESOURCES[resource].table]
        with self.data.lock:
            current = table.get(key)
            if current is None:
                raise KeyError(f"no {resource} {key}")
            record = self.data.stamp({**copy.deepcopy(current), **fields}, self.now())
            table.put(record)
        self.publish(RESOURCES[resource].entity, "changed", key, DEMO_CREDENTIALS["tenant_id"])
        return record

    def remove(self, resource: str, key: str) -> dict:
        """An ERP user deletes the document in the UI (the API has no DELETE for it): gone from lists and GETs
        (404), and `<entity>.deleted` is sent. Only "Account Deleted" is in Visma's published catalogue; the
        same event for the other entities is UNCONFIRMED (contract.UNCONFIRMED["webhook_payload"])."""
        with self.data.lock:
            removed = self.data.tables[RESOURCES[resource].table].remove(key)
        if removed is None:
            raise KeyError(f"no {resource} {key}")
        self.publish(RESOURCES[resource].entity, "deleted", key, DEMO_CREDENTIALS["tenant_id"])
        return removed

    def edit_before_next_put(self, resource: str, key: str, **fields) -> None:
        """An ERP user saves the record just before the next PUT to it arrives: that PUT's If-Match is stale (412)."""
        self.edits_before_put.append((resource, key, fields))

    def dimension_add(self, dimension_id: str, segments: dict[int, tuple[str, int]],
                      values: dict[int, dict[str, str]] | None = None) -> None:
        """Sandbox control: a company-defined dimension, {segment id: (description, length)} (see seed.py)."""
        seeding.dimension_add(self.data, dimension_id, segments, values)

    def now(self) -> str:
        return stamp_of(self.clock.now())

    @property
    def webhook_subscriptions(self) -> list[dict]:
        return self.webhooks.subscriptions

    @property
    def webhook_deliveries(self) -> list[dict]:
        return self.webhooks.deliveries

    @property
    def webhook_policy(self) -> dict:
        return self.webhooks.policy

    def subscribe(self, url: str, events: list[str], secret: str) -> dict:
        return self.webhooks.subscribe(url, events, secret)

    def flush_webhooks(self, timeout: float = 5.0) -> bool:
        return self.webhooks.flush(timeout)

    def publish(self, entity: str, change: str, key: str, tenant_id: str) -> int:
        return self.webhooks.publish({"event": f"{entity}.{change}", "entity": entity, "id": key,
                                      "tenantId": tenant_id, "timestamp": self.now(),
                                      "notificationId": str(uuid.uuid4())})

    def dump_state(self) -> dict:
        """Everything needed to bring this company back after a restart; JSON-serialisable."""
        return {"version": 1, "data": self.data.dump(),
                "webhook_subscriptions": copy.deepcopy(self.webhooks.subscriptions)}

    def load_state(self, state: dict) -> None:
        if state.get("version") != 1:
            raise ValueError(f"unknown Visma sandbox state version {state.get('version')!r}")
        self.data.load(state["data"])
        self.webhooks.reset()
        for subscription in state.get("webhook_subscriptions", []):
            self.webhooks.subscribe(subscription["url"], subscription["events"], subscription["secret"])

    # --- shared pipeline hooks ----------------------------------------------------------------------
    def rate_key(self, request):
        token = self.tokens.validate(self.bearer(request))
        return f"{token.subject['client_id']}:{token.subject['tenant_id']}" if token else "anonymous"

    def rate_headers(self, remaining, reset):
        return {"X-RateLimit-Limit": str(self.limiter.limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(int(reset)), "X-RateLimit-Policy": "4-fixed-window"}

    def rate_limited_response(self, retry_after):
        message = f"Rate limit is exceeded. Try again in {retry_after} seconds."
        return json_response({"statusCode": 429, "message": message}, 429, {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        return ipp_error(status, message)

    def authorize(self, request: Request) -> Response | None:
        token = self.tokens.validate(self.bearer(request))
        if token is None or token.subject["tenant_id"] not in self.company_tenants:
            # Customer-tenant tokens authenticate but are refused everywhere (§2, DOC-401).
            return Response("", status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        company = request.headers.get("ipp-company-id")
        if company is not None and company not in self.company_ids:  # accepted, not required (§3)
            return ipp_error(400, f"Invalid or missing ipp-company-id '{company}'.", "12002")
        return None

    def tenant_of(self, request: Request) -> str:
        return self.tokens.validate(self.bearer(request)).subject["tenant_id"]

    # --- Visma Connect (§2) ----------------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if self.clients.get(form.get("client_id", "")) != form.get("client_secret"):
            return json_response(UNCONFIRMED["token_error"], 400)
        tenant_id = form.get("tenant_id", "")
        if tenant_id not in self.company_tenants | self.customer_tenants:
            return json_response({"error": "invalid_request", "error_description": "Unknown tenant_id"}, 400)
        issued = self.tokens.issue({"client_id": form["client_id"], "tenant_id": tenant_id,
                                    "scope": form.get("scope", "")})
        return json_response({"access_token": issued.value, "expires_in": int(self.tokens.lifetime),
                              "token_type": "Bearer", "scope": form.get("scope", "")})

    # --- resources (§4, §5, §7) ----------------------------------------------------------------------
    def list_records(self, request: Request, resource: str) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        spec = RESOURCES[resource]
        try:
            rows = select(self.data.tables[spec.table], spec, request.args)
            page = page_of(rows, request.args, max_page_size=self.max_page_size,
                           default_page_size=self.default_page_size)
        except Invalid as error:
            return ipp_error(400, str(error))
        return json_response(page)  # no ETag on lists; each item carries its timeStamp (§5)

    def get_record(self, request: Request, resource: str, key: str) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        record = self.record(resource, key)
        if record is None:
            return ipp_error(404, f"{RESOURCES[resource].label} {key} not found.")
        return json_response(record, headers={"ETag": etag_of(record)})

    def get_supplier_invoice_by_type(self, request: Request, document_type: str, key: str) -> Response:
        record = self.record("supplierInvoice", key)
        if record is not None and record["documentType"].lower() != document_type.lower():
            return ipp_error(404, f"Supplier invoice {document_type} {key} not found.")
        return self.get_record(request, "supplierInvoice", key)

    def create_record(self, request: Request, resource: str) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        spec = RESOURCES[resource]
        table = self.data.tables[spec.table]
        try:
            fields = unwrap(self.body_json(request), PLAIN_WRITE_KEYS)
            with self.data.lock:
                record = CREATORS[resource](self.data, fields, self.now())
                table.put(record)
        except Invalid as error:
            return ipp_error(400, str(error))
        key = table.key_of(record)
        self.publish(spec.entity, "created", key, self.tenant_of(request))
        # 201, empty body, Location of the new resource, ETag (§4 Writes).
        return json_response({}, 201, {"Location": f"{request.base_url.rstrip('/')}/{quote(key, safe='')}",
                                       "ETag": etag_of(record)})

    def update_record(self, request: Request, resource: str, key: str) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        for edit in [e for e in self.edits_before_put if e[:2] == (resource, key)][:1]:
            self.edits_before_put.remove(edit)
            self.modify(resource, key, **edit[2])
        spec = RESOURCES[resource]
        table = self.data.tables[spec.table]
        with self.data.lock:
            current = table.get(key)
            if current is None:
                return ipp_error(404, f"{spec.label} {key} not found.")
            if not if_match_ok(request.headers.get("If-Match"), current["timeStamp"]):
                return Response(b"", status=412)  # "… version does not match with If-Match header", empty body (§5)
            try:
                fields = unwrap(self.body_json(request), PLAIN_WRITE_KEYS)
                record = UPDATERS[resource](self.data, copy.deepcopy(current), fields, self.now())
            except Invalid as error:
                return ipp_error(400, str(error))
            table.put(record)
        self.publish(spec.entity, "changed", key, self.tenant_of(request))
        return Response(b"", status=204, headers={"ETag": etag_of(record)})

    def list_departments(self, request: Request) -> Response:
        """The company's departments (DepartmentDto), the ids an employee's `department` must be one of."""
        if (denied := self.authorize(request)) is not None:
            return denied
        rows = [{"departmentId": key, "description": description}
                for key, description in sorted(self.data.reference.get("departments", {}).items())]
        try:
            page = page_of(rows, request.args, max_page_size=self.max_page_size,
                           default_page_size=self.default_page_size)
        except Invalid as error:
            return ipp_error(400, str(error))
        return json_response(page)

    # --- financial periods (FinancialPeriodDto; id spelling UNCONFIRMED financial_period_id) ------------
    def list_financial_periods(self, request: Request) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        after = request.args.get("greaterThanValue") or ""
        rows = [period_dto(key, state) for key, state in sorted(periods(self.data).items()) if key > after]
        skip = int(request.args.get("skipRecords") or 0)
        count = request.args.get("numberToRead")
        return json_response(rows[skip:skip + int(count)] if count else rows[skip:])

    def get_financial_period(self, request: Request, period_id: str) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        state = periods(self.data).get(period_id)
        if state is None:
            return ipp_error(404, f"Financial period {period_id} not found.")
        return json_response(period_dto(period_id, state))

    def period_close(self, period_id: str, closed: bool = True) -> None:
        """Test/demo control: close (or reopen) a financial period in the general ledger."""
        period_set(self.data, period_id, closed=closed)

    # --- dimensions: cost centres are SUBACCOUNT segment values (§4) -------------------------------------
    def list_dimensions(self, request: Request) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        return json_response([self.data.render_dimension(d) for d in self.data.dimensions.values()])

    def get_dimension(self, request: Request, dimension_id: str) -> Response:
        return self._dimension_read(request, lambda: self.data.render_dimension(self.data.dimension(dimension_id)))

    def get_segment(self, request: Request, dimension_id: str, segment_id: int) -> Response:
        def read():
            segment = self.data.segment(dimension_id, segment_id)
            return self.data.render_segment(dimension_id, segment), {"ETag": etag_of(segment)}
        return self._dimension_read(request, read)

    def get_segment_value(self, request: Request, dimension_id: str, segment_id: int, value_id: str) -> Response:
        def read():
            self.data.segment(dimension_id, segment_id)
            value = self.data.values_of(dimension_id, segment_id).get(value_id)
            if value is None:
                raise Missing(f"Value {value_id} of segment {segment_id} in dimension {dimension_id} not found.")
            return value, {"ETag": etag_of(value)}
        return self._dimension_read(request, read)

    def get_segment_value_by_public_id(self, request: Request, dimension_id: str, segment_id: int,
                                       public_id: str) -> Response:
        def read():
            self.data.segment(dimension_id, segment_id)
            for value in self.data.values_of(dimension_id, segment_id).values():
                if value["publicId"] and value["publicId"].lower() == public_id.lower():
                    return value, {"ETag": etag_of(value)}
            raise Missing(f"No value with publicId {public_id} in segment {segment_id} of dimension {dimension_id}.")
        return self._dimension_read(request, read)

    def _dimension_read(self, request: Request, read) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        try:
            result = read()
        except Missing as error:
            return ipp_error(404, str(error))
        body, headers = result if isinstance(result, tuple) else (result, {})
        return json_response(body, headers=headers)

    def update_segment(self, request: Request, dimension_id: str, segment_id: int) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        with self.data.lock:
            try:
                dimension = self.data.dimension(dimension_id)
                current = self.data.segment(dimension_id, segment_id)
            except Missing as error:
                return ipp_error(404, str(error))
            if not if_match_ok(request.headers.get("If-Match"), current["timeStamp"]):
                return Response(b"", status=412)
            try:
                fields = unwrap(self.body_json(request), PLAIN_SEGMENT_KEYS)
                segment, values = segment_update(self.data, dimension["id"], current, fields, self.now())
            except Invalid as error:
                return ipp_error(400, str(error))
            dimension["segments"][segment_id] = segment
            self.data.segment_values[(dimension["id"], segment_id)] = values
        self.publish("dimension", "changed", f"{dimension['id']}/{segment_id}", self.tenant_of(request))
        return Response(b"", status=204, headers={"ETag": etag_of(segment)})

    # --- sandbox control: NOT a Visma API ---------------------------------------------------------------
    def webhooks_control(self, request: Request) -> Response:
        """Register a webhook subscription. Visma has no API for this — subscriptions are made in the
        Developer Portal (§10) — so tests and the demo register here instead."""
        if request.method == "GET":
            return json_response([{**s, "secret": "***"} for s in self.webhooks.subscriptions])
        spec = self.body_json(request)
        if not isinstance(spec, dict) or not spec.get("url") or not spec.get("secret"):
            return json_response({"message": "Send JSON {url, events, secret}."}, 400)
        events = spec.get("events") or ["*"]
        if isinstance(events, str):
            events = [events]
        subscription = self.subscribe(spec["url"], events, spec["secret"])
        return json_response({k: v for k, v in subscription.items() if k != "secret"}, 201)
