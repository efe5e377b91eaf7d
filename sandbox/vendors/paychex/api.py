"""The Paychex Flex sandbox: token, companies, company reference lists and the hook registry.

Everything is served under /paychex, token endpoint included: Paychex issues tokens on the API host
(docs/vendors/paychex.md §2). Routes are written as the SPEC's paths, so every answer is known to belong to
one SPEC operation (its media types come from there, and tests validate each answer against it).
Workers and the mutations that notify hooks are in `workers.py`, the hook registry's endpoints in `registry.py`.
"""
from __future__ import annotations

import copy
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from sandbox.core import IssuedToken, VendorSandbox, json_response
from sandbox.vendors.paychex import seed
from sandbox.vendors.paychex.contract import CODE_FOR_STATUS, UNCONFIRMED, error_body, media_types
from sandbox.vendors.paychex.hooks import HookDispatcher
from sandbox.vendors.paychex.registry import HookRegistryMixin
from sandbox.vendors.paychex.workers import WorkersMixin

# Company reference lists: SPEC collection path → (key in the company's data, id field of one item).
REFERENCE_LISTS = {
    "jobtitles": "jobTitleId", "jobs": "jobId", "organizations": "organizationId", "locations": "locationId",
    "laborassignments": "laborAssignmentId", "paycomponents": "componentId", "payfrequencies": None,
}
SINGLE_PATHS = {"jobtitles": "{jobTitleId}", "jobs": "{jobId}", "organizations": "{orgId}",
                "locations": "{locationId}", "laborassignments": "{laborAssignmentId}",
                "paycomponents": "{paycomponentId}"}


@dataclass
class LinkedApp:
    """One Paychex application (API key) and the companies that gave it access."""

    secret: str
    company_ids: list[str] = field(default_factory=list)


def werkzeug_rule(spec_path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "<" + re.sub(r"(?<!^)([A-Z])", r"_\1", m.group(1)).lower() + ">",
                  spec_path)


class PaychexSandbox(WorkersMixin, HookRegistryMixin, VendorSandbox):
    name = "paychex"
    prefix = "/paychex"
    token_lifetime = 3600  # "access tokens expire in 60 minutes" (docs/vendors/paychex.md §2)
    rate_limit = UNCONFIRMED["rate_limit"]
    rate_window = UNCONFIRMED["rate_window"]
    unthrottled_paths = ("/auth/", "/_control/")
    demo_credentials = seed.DEMO_CREDENTIALS
    demo_config = {"company_id": seed.DEMO_COMPANY_ID}

    # (SPEC path, methods, handler)
    OPERATIONS = [
        ("/auth/oauth/v2/token", ["POST"], "token"),
        ("/companies", ["GET"], "list_companies"),
        ("/companies/{companyId}", ["GET"], "get_company"),
        *[(f"/companies/{{companyId}}/{name}", ["GET"], "list_reference") for name in REFERENCE_LISTS],
        *[(f"/companies/{{companyId}}/{name}/{param}", ["GET"], "get_reference")
          for name, param in SINGLE_PATHS.items()],
        *WorkersMixin.WORKER_OPERATIONS,
        ("/management/domains", ["GET"], "list_domains"),
        ("/management/hooks", ["GET", "POST"], "hooks"),
        ("/management/hooks/{hookId}", ["GET", "DELETE"], "hook"),
    ]

    def __init__(self, clock, log):
        self.dispatcher = HookDispatcher(clock)
        self.recorded: list[dict] | None = None  # answers with their SPEC operation, while a test records
        super().__init__(clock, log)

    def routes(self):
        self.spec_paths = {werkzeug_rule(path): path for path, _, _ in self.OPERATIONS}
        rules = [(werkzeug_rule(path), methods, handler) for path, methods, handler in self.OPERATIONS]
        # Sandbox control, not a Paychex API: POST /paychex/_control/<action> with JSON arguments, so a sandbox in
        # its own process (the demo's) can be told to change a worker, which notifies as Paychex would.
        return [*rules, ("/_control/<action>", ["POST"], "control")]

    def reset(self):
        self.apps = {
            seed.DEMO_CREDENTIALS["client_id"]: LinkedApp(
                seed.DEMO_CREDENTIALS["client_secret"],
                [seed.DEMO_COMPANY_ID, seed.SECOND_COMPANY_ID, seed.INACTIVE_COMPANY_ID]),
            seed.RESTRICTED_CREDENTIALS["client_id"]: LinkedApp(seed.RESTRICTED_CREDENTIALS["client_secret"]),
        }
        self.companies = {c["companyId"]: copy.deepcopy(c) for c in seed.SEED_COMPANIES}
        self.company_data = {seed.DEMO_COMPANY_ID: seed.seed_company_data(seed.DEMO_COMPANY_ID),
                             seed.SECOND_COMPANY_ID: seed.seed_company_data(seed.SECOND_COMPANY_ID, people=2),
                             seed.INACTIVE_COMPANY_ID: seed.seed_company_data(seed.INACTIVE_COMPANY_ID, people=1),
                             seed.UNLINKED_COMPANY_ID: seed.seed_company_data(seed.UNLINKED_COMPANY_ID, people=1)}
        self.workers = {wid: w for data in self.company_data.values() for wid, w in data["workers"].items()}
        self.transaction_ids = itertools.count(1)
        self.dispatcher.reset()
        # Tests tune these on the live instance; a reset puts the contract's values back.
        self.tokens.lifetime = self.token_lifetime
        self.limiter.limit = self.rate_limit
        self.limiter.window = self.rate_window

    # --- shared pipeline hooks ----------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        response = super().handle(request, path)
        # Paychex's transaction id on every answer, for support (docs/vendors/paychex.md §1, CSHARP TransactionId).
        response.headers.setdefault("X-payx-txid", str(uuid.UUID(int=next(self.transaction_ids))))
        if self.recorded is not None:
            self.recorded.append({"method": request.method.lower(), "path": path, "operation": self.operation(path, request.method),
                                  "status": response.status_code, "content_type": response.headers.get(
                                      "Content-Type", ""), "body": response.get_data(as_text=True),
                                  "headers": dict(response.headers)})
        return response

    def control(self, request: Request, action: str) -> Response:
        actions = {"worker_ids": lambda company_id=seed.DEMO_COMPANY_ID: sorted(self.company_data[company_id]["workers"]),
                   "hire": self.hire, "worker_edit": self.worker_edit, "terminate": self.terminate,
                   "job_change": self.job_change, "org_move": self.org_move}
        if action not in actions:
            return json_response({"error": f"Unknown sandbox control action {action!r}; one of {', '.join(actions)}."},
                                 404)
        try:
            arguments = json.loads(request.get_data(as_text=True) or "{}")
            return json_response(actions[action](**(arguments if isinstance(arguments, dict) else {})))
        except (KeyError, StopIteration) as error:
            return json_response({"error": f"not found: {error}"}, 404)
        except (TypeError, ValueError) as error:
            return json_response({"error": str(error)}, 400)

    def operation(self, path: str, method: str = "GET") -> str | None:
        """The SPEC path of the operation that answers `path`, or None for an unknown path or method."""
        adapter = self.url_map.bind("sandbox", path_info=path)
        try:
            rule, _ = adapter.match(return_rule=True, method=method)
        except Exception:  # an unknown path or method: no operation answered
            return None
        return self.spec_paths.get(rule.rule)

    def rate_key(self, request):
        token = self.tokens.validate(self.bearer(request))
        return token.subject["client_id"] if token else "anonymous"

    def rate_limited_response(self, retry_after):
        return json_response(UNCONFIRMED["rate_limit_body"], 429, {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        code = CODE_FOR_STATUS.get(status)
        if code is None:
            return json_response(error_body("API-1", message), status)
        return json_response(error_body(code), status)

    # --- helpers for handlers -------------------------------------------------------
    def paychex_error(self, status: int, code: str) -> Response:
        return json_response(error_body(code), status)

    def authorize(self, request: Request) -> tuple[str | None, LinkedApp | None, Response | None]:
        """The calling application's key and record, or the 401 Paychex sends (UNCONFIRMED["missing_bearer"])."""
        value = self.bearer(request)
        if not value:
            return None, None, self.paychex_error(401, UNCONFIRMED["missing_bearer"])
        token: IssuedToken | None = self.tokens.validate(value)
        app = self.apps.get(token.subject["client_id"]) if token else None
        if app is None:
            return None, None, self.paychex_error(401, "API-103")
        return token.subject["client_id"], app, None

    def begin(self, request: Request, company_id: str | None = None) -> tuple[LinkedApp | None, str, Response | None]:
        """Authenticate, negotiate the media type (406 API-75) and check access to the company (403 API-2)."""
        _, app, denied = self.authorize(request)
        if denied is not None:
            return None, "", denied
        offered = media_types(self.operation(request.path[len(self.prefix):], request.method), request.method.lower())
        if not request.accept_mimetypes and UNCONFIRMED["default_media_type_without_accept"]:
            media_type = offered[0]
        else:
            media_type = request.accept_mimetypes.best_match(offered)
        if media_type is None:
            return None, "", self.paychex_error(406, "API-75")
        if company_id is not None:
            if company_id not in self.companies:
                return None, "", self.paychex_error(404, "API-7")
            if company_id not in app.company_ids:
                return None, "", self.paychex_error(403, "API-2")  # samples/companies_company_no_access.json
            if not self.companies[company_id]["hasPermission"]:
                return None, "", self.paychex_error(UNCONFIRMED["inactive_company_status"], "API-2")
        return app, media_type, None

    def api_link(self, request: Request, path: str) -> str:
        """Absolute hypermedia link, on whatever host the sandbox is served (docs/vendors/paychex.md §3)."""
        return request.host_url.rstrip("/") + self.prefix + path

    @staticmethod
    def represent(body, media_type: str, status: int = 200, headers: dict | None = None) -> Response:
        # Paychex echoes the negotiated media type as Content-Type (docs/vendors/paychex.md §1).
        return Response(json.dumps(body), status=status, content_type=media_type, headers=headers or {})

    def collection(self, request: Request, items: list[dict], media_type: str, *, metadata: dict | None = None,
                   links: list[dict] | None = None, headers: dict | None = None) -> Response:
        """`{metadata, content, links}` envelope of a collection (docs/vendors/paychex.md §3)."""
        self_href = self.api_link(request, request.path[len(self.prefix):])
        if request.query_string:
            self_href += "?" + request.query_string.decode()
        return self.represent({"metadata": {"contentItemCount": len(items), **(metadata or {})}, "content": items,
                               "links": [{"rel": "self", "href": self_href}, *(links or [])]}, media_type,
                              headers=headers)

    def single(self, item: dict, media_type: str) -> Response:
        """Single-resource GETs also wrap the object in `content[0]` (docs/vendors/paychex.md §3)."""
        return self.represent({"content": [item], "links": []}, media_type)

    @staticmethod
    def served(item: dict) -> dict:
        """An item without the sandbox's own bookkeeping (keys starting with "_", organizations' parentId)."""
        return {k: copy.deepcopy(v) for k, v in item.items() if not k.startswith("_") and k != "parentId"}

    def company_resource(self, request: Request, company: dict) -> dict:
        path = f"/companies/{company['companyId']}"
        return {**copy.deepcopy(company), "links": [
            {"rel": "self", "href": self.api_link(request, path)},
            {"rel": "workers", "href": self.api_link(request, path + "/workers")},
        ]}

    # --- token and companies ---------------------------------------------------------------
    def token(self, request: Request) -> Response:
        # Credentials are read from the form body only (docs/vendors/paychex.md §2): sent as query parameters
        # they count as missing.
        form = request.form
        app = self.apps.get(form.get("client_id", ""))
        if app is None or not form.get("client_secret") or form.get("client_secret") != app.secret:
            status, body = UNCONFIRMED["token_error"]
            return json_response(body, status)
        if form.get("grant_type") != "client_credentials":
            status, body = UNCONFIRMED["token_unsupported_grant"]
            return json_response(body, status)
        issued = self.tokens.issue({"client_id": form["client_id"]})
        # expires_in as an integer, as the docs and samples show, not the SPEC's string (docs/vendors/paychex.md
        # §2); no refresh token: a client asks for a new token.
        return json_response({"access_token": issued.value, "token_type": "Bearer",
                              "expires_in": int(self.tokens.lifetime), "scope": "oob"})

    def list_companies(self, request: Request) -> Response:
        app, media_type, denied = self.begin(request)
        if denied is not None:
            return denied
        if not app.company_ids:
            return self.paychex_error(UNCONFIRMED["unlinked_app_companies_status"], "API-2")
        companies = [self.companies[cid] for cid in app.company_ids if cid in self.companies]
        display_id = request.args.get("displayid")
        if display_id is not None:
            companies = [c for c in companies if c["displayId"] == display_id]
            if not companies:
                return self.paychex_error(404, UNCONFIRMED["companies_not_found_code"])
        return self.collection(request, [self.company_resource(request, c) for c in companies], media_type)

    def get_company(self, request: Request, company_id: str) -> Response:
        _, media_type, denied = self.begin(request, company_id)
        if denied is not None:
            return denied
        return self.single(self.company_resource(request, self.companies[company_id]), media_type)

    # --- company reference lists (docs/vendors/paychex.md §4) --------------------------------------------
    def reference_item(self, request: Request, company_id: str, name: str, item: dict) -> dict:
        served = self.served(item)
        id_field = REFERENCE_LISTS[name]
        if id_field is None:
            return served
        base = f"/companies/{company_id}/{name}"
        links = [{"rel": "self", "href": self.api_link(request, f"{base}/{item[id_field]}")}]
        if name == "organizations":  # the hierarchy, as parent/child links (SPEC COMPANIES_ORG_GET)
            if item.get("parentId"):
                links.append({"rel": "parent", "href": self.api_link(request, f"{base}/{item['parentId']}")})
            for child in self.company_data[company_id]["reference"]["organizations"]:
                if child.get("parentId") == item["organizationId"]:
                    links.append({"rel": "child",
                                  "href": self.api_link(request, f"{base}/{child['organizationId']}")})
        if name in ("jobtitles", "organizations", "locations", "jobs", "laborassignments"):
            served["links"] = links
        return served

    def list_reference(self, request: Request, company_id: str) -> Response:
        _, media_type, denied = self.begin(request, company_id)
        if denied is not None:
            return denied
        name = request.path.rstrip("/").rsplit("/", 1)[-1]
        items = self.company_data[company_id]["reference"][name]
        return self.collection(request, [self.reference_item(request, company_id, name, i) for i in items],
                               media_type)

    def get_reference(self, request: Request, company_id: str, **ids) -> Response:
        _, media_type, denied = self.begin(request, company_id)
        if denied is not None:
            return denied
        name, item_id = request.path.rstrip("/").rsplit("/", 2)[-2:]
        item = next((i for i in self.company_data[company_id]["reference"][name]
                     if i[REFERENCE_LISTS[name]] == item_id), None)
        if item is None:
            return self.paychex_error(404, "API-7")
        return self.single(self.reference_item(request, company_id, name, item), media_type)
