"""The Rippling REST API sandbox: routes, API-key and OAuth auth, the helpers tests drive, the control route.

The REST resources themselves — list conventions, expansion and redaction — are in resources.py (mixed into
`RipplingSandbox`); data lives in `RipplingData` (store.py); the query language and cursor in query.py;
everything the contract leaves open in `contract.UNCONFIRMED`.
"""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

from sandbox.core import IssuedToken, TokenIssuer, VendorSandbox, json_response
from sandbox.vendors.rippling.contract import API_KEYS, COMPANY_ID, DAY, DEMO_API_KEY, UNCONFIRMED, rippling_error
from sandbox.vendors.rippling.oauth import OAuthServer
from sandbox.vendors.rippling.resources import RESOURCES, SINGLE_GET, ResourcesMixin
from sandbox.vendors.rippling.seed import default_data, generated_data
from sandbox.vendors.rippling.store import RipplingData
from sandbox.vendors.rippling.webhooks import WebhookSender


class ApiKeyRegistry(TokenIssuer):
    """Static API keys on the shared token machinery, so revocation and expiry faults apply.

    A key does not expire on a fixed date; it dies after a stretch without use (docs/vendors/rippling.md §1,
    UNCONFIRMED), so every successful validation pushes its expiry out again.
    """

    def register(self, value: str, subject: dict) -> IssuedToken:
        key = IssuedToken(value, dict(subject), self.clock.now() + self.lifetime)
        with self._lock:
            self._tokens[value] = key
        return key

    def validate(self, value: str | None) -> IssuedToken | None:
        key = super().validate(value)
        if key is not None:
            key.expires_at = self.clock.now() + self.lifetime
        return key


class RipplingSandbox(ResourcesMixin, VendorSandbox):
    name = "rippling"
    prefix = "/rippling"
    token_lifetime = UNCONFIRMED["api_key_idle_expiry_days"] * DAY
    rate_limit = UNCONFIRMED["rate_limit_per_minute"]
    rate_window = 60.0
    # The control route is the sandbox's own, so faults and rate limits leave it alone.
    unthrottled_paths = ("/_control/", "/api/o/token/", "/o/authorize")
    demo_credentials = {"api_key": DEMO_API_KEY}
    # Flip in a test to serve next_link relative to the host, as PostHog saw (docs/vendors/rippling.md §3).
    relative_next_links = False

    def routes(self):
        # Trailing slashes as in the spec; the url map is built with strict_slashes=False so
        # `/workers` (as BATON and PostHog call it) answers too (docs/vendors/rippling.md §2).
        rules = [(f"/{path}/", ["GET"], "list_resource") for path in RESOURCES]
        rules += [(f"/{path}/<row_id>/", ["GET"], "get_resource") for path in SINGLE_GET]
        # Sandbox control, not a Rippling API: POST /rippling/_control/<action> with JSON arguments.
        rules.append(("/_control/<action>", ["POST"], "control"))
        # App Shop installs (docs/vendors/rippling.md §1): Rippling serves these on app.rippling.com.
        rules.append(("/o/authorize", ["GET"], "oauth_authorize"))
        rules.append(("/api/o/token/", ["POST"], "oauth_token"))
        return rules

    def reset(self):
        self.tokens = ApiKeyRegistry(self.clock, self.token_lifetime, prefix=self.name)
        for value, subject in API_KEYS.items():
            self.tokens.register(value, {**subject, "company_id": COMPANY_ID})
        # Companies whose plan includes API Tier 1 (docs/vendors/rippling.md §1); the demo company has it.
        self.entitled_companies = {COMPANY_ID}
        self.relative_next_links = type(self).relative_next_links
        self.data = RipplingData(self.clock, default_data())
        self.oauth = OAuthServer(self.clock)
        self.webhooks = WebhookSender()

    # --- test helpers (Python; the control route calls the same) ----------------------------------
    def seed(self, workers: int = 6, departments: int = 3, seed: int = 1) -> dict:
        """Replace the company with a generated one (deterministic per `seed`)."""
        self.data = RipplingData(self.clock, generated_data(workers=workers, departments=departments, seed=seed))
        return {"workers": len(self.data["workers"]), "departments": len(self.data["departments"])}

    def worker(self, worker_id: str) -> dict:
        return self.data.worker(worker_id)

    def worker_ids(self) -> list[str]:
        return sorted(self.data["workers"].rows)

    def table_sizes(self) -> dict[str, int]:
        return {name: len(collection) for name, collection in self.data.collections.items()}

    def hire(self, **fields) -> dict:
        return self.notified("employee.created", self.data.hire(**fields))

    def update_worker(self, worker_id: str, **changes) -> dict:
        return self.notified("employee.updated", self.data.update_worker(worker_id, **changes))

    def terminate(self, worker_id: str, date, reason: str = "", termination_type: str = "VOLUNTARY") -> dict:
        worker = self.data.terminate(worker_id, date, reason, termination_type=termination_type)
        self.oauth.installer_terminated(worker_id)  # all tokens of their installs die (§1)
        return self.notified("employee.updated", worker)

    def rehire(self, worker_id: str, start_date, new_worker: bool = False) -> dict:
        worker = self.data.rehire(worker_id, start_date, new_worker=new_worker)
        return self.notified("employee.created" if new_worker else "employee.updated", worker)

    def set_compensation(self, worker_id: str, **fields) -> dict:
        compensation = self.data.set_compensation(worker_id, **fields)
        self.webhooks.notify("employee.updated", worker_id)
        return compensation

    def notified(self, event_name: str, worker: dict) -> dict:
        self.webhooks.notify(event_name, worker["id"])
        return worker

    # --- App Shop: installs and webhook URLs (Python helpers; the control route calls the same) -----
    def install_code(self, client_id: str, redirect_uri: str) -> dict:
        """An install approved by the company's admin, without a browser: the code it sends back."""
        return {"code": self.oauth.code_issue(client_id=client_id, redirect_uri=redirect_uri)}

    def register_webhook(self, url: str) -> dict:
        return self.webhooks.register(url)

    def drop_webhooks(self, count: int = 1) -> dict:
        return self.webhooks.drop_next(count)

    def repeat_webhooks(self, count: int = 1, times: int = 2) -> dict:
        return self.webhooks.repeat_next(count, times)

    def oauth_authorize(self, request: Request) -> Response:
        return self.oauth.authorize(request)

    def oauth_token(self, request: Request) -> Response:
        return self.oauth.token(request)

    def add_department(self, name: str, parent_id: str | None = None, reference_code: str | None = None) -> dict:
        return self.data.add_department(name, parent_id=parent_id, reference_code=reference_code)

    def update_department(self, department_id: str, **changes) -> dict:
        return self.data.update_department(department_id, **changes)

    def inject_malformed_worker(self, kind: str = "missing_required") -> dict:
        return self.data.inject_malformed_worker(kind)

    def control(self, request: Request, action: str) -> Response:
        """Sandbox control, not a Rippling API: runs one helper above with the JSON body as arguments."""
        actions = {"seed": self.seed, "worker_ids": self.worker_ids, "hire": self.hire, "update_worker": self.update_worker,
                   "terminate": self.terminate, "rehire": self.rehire, "add_department": self.add_department,
                   "update_department": self.update_department, "inject_malformed_worker": self.inject_malformed_worker,
                   "install_code": self.install_code, "set_compensation": self.set_compensation, "register_webhook": self.register_webhook,
                   "drop_webhooks": self.drop_webhooks, "repeat_webhooks": self.repeat_webhooks}
        if action not in actions:
            return rippling_error(404, f"Unknown sandbox control action {action!r}; one of {', '.join(actions)}.")
        arguments = self.body_json(request)
        if not isinstance(arguments, dict):
            arguments = {}
        try:
            return json_response(actions[action](**arguments))
        except KeyError as error:
            return rippling_error(404, str(error.args[0] if error.args else error))
        except (TypeError, ValueError) as error:
            return rippling_error(400, str(error))

    # --- shared pipeline hooks ------------------------------------------------------
    def credential(self, presented: str | None) -> IssuedToken | None:
        """A customer API key, or an App Shop install's OAuth access token."""
        return self.tokens.validate(presented) or self.oauth.access.validate(presented)

    def rate_key(self, request):
        key = self.credential(self.bearer(request))
        return f"key:{key.subject['name']}" if key else "anonymous"

    def rate_headers(self, remaining, reset):
        return {}  # none documented (docs/vendors/rippling.md §7)

    def rate_limited_response(self, retry_after):
        return rippling_error(429, UNCONFIRMED["rate_limit_detail"].format(seconds=retry_after),
                              {"Retry-After": str(retry_after)})

    def error_response(self, status, message):
        return rippling_error(status, message)

    def authorize(self, request: Request, scope: str) -> tuple[IssuedToken | None, Response | None]:
        """The calling key, or the 401/403 Rippling answers instead (docs/vendors/rippling.md §1, §6)."""
        presented = self.bearer(request)
        if not presented:
            return None, rippling_error(401, UNCONFIRMED["missing_credentials_detail"])
        key = self.credential(presented)
        if key is None:
            return None, rippling_error(401, UNCONFIRMED["unauthorized_detail"])
        if key.subject["company_id"] not in self.entitled_companies:
            return None, rippling_error(UNCONFIRMED["missing_entitlement_status"], UNCONFIRMED["forbidden_detail"])
        if scope not in key.subject["scopes"]:
            return None, rippling_error(403, UNCONFIRMED["forbidden_detail"])
        return key, None

