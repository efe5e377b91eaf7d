"""The Visma.net ERP sandbox served over HTTP (docs/vendors/visma.md §1–§10).

Visma Connect's token endpoint is served under /visma-connect, the ERP API under
/visma: `/v1/…`, `/v2/journaltransaction` and, on the same handlers, the legacy
`/API/controller/api/v1|v2/…` prefix (§1). Everything the contract leaves
UNCONFIRMED is simulated as `contract.UNCONFIRMED` says.

This module holds the routes, auth, the Python API tests and the demo drive, the
financial periods and the webhook control route; the record handlers are in
resources.py and the dimension handlers in dimensions.py, mixed into `VismaSandbox`.
"""
from __future__ import annotations

import copy
import uuid

from werkzeug.wrappers import Request, Response

from sandbox.core import VendorSandbox, json_response
from sandbox.vendors.visma import company as demo_company
from sandbox.vendors.visma import seed as seeding
from sandbox.vendors.visma.contract import (
    CUSTOMER_TENANT_ID,
    DEMO_COMPANY_ID,
    DEMO_CREDENTIALS,
    UNCONFIRMED,
    ipp_error,
)
from sandbox.vendors.visma.dimensions import DimensionsMixin
from sandbox.vendors.visma.periods import period_dto, period_set, periods
from sandbox.vendors.visma.resources import ResourcesMixin
from sandbox.vendors.visma.store import RESOURCES, VismaData, stamp_of
from sandbox.vendors.visma.webhooks import WebhookDispatcher

LEGACY_ROOT = "/API/controller/api"


class VismaSandbox(ResourcesMixin, DimensionsMixin, VendorSandbox):
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
        """Sandbox control: a company-defined dimension, {segment id: (description, length)} (see company.py)."""
        demo_company.dimension_add(self.data, dimension_id, segments, values)

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
