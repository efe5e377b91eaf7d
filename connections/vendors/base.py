"""The one base client every vendor client is built on.

One request path (`BaseClient.request`): mandatory timeout, bearer token cached
per connection and renewed before it expires (`tokens.ClientTokens`), one re-authentication on 401,
every failure mapped to the error taxonomy in `errors.py`, short transient waits
retried here with jittered exponential backoff honouring Retry-After, and long
waits handed up to the caller (Celery) as `VendorRateLimited`/`VendorUnavailable`.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, ClassVar
from urllib.parse import urljoin, urlsplit

import requests

# Also imported from here by the vendor packages (the base module is their one entry point), hence the noqa.
from connections.vendors.answers import (  # noqa: F401
    DEFAULT_HINTS, TEST_HINTS, TIMEOUT_HINT, UnreadableNumber, bounded, connection_test_hint,
    error_class_for, extract_message, parse_retry_after, timeout_text, vendor_json_loads,
)
from connections.vendors.egress import EgressPolicy
from connections.vendors.errors import (
    VendorAuthError, VendorConfigurationError, VendorError, VendorMalformed, VendorNotFound, VendorPermissionError,
    VendorRateLimited, VendorRejected, VendorUnavailable,
)
from connections.vendors.limits import NoRateLimit, RateLimit, backoff_delay  # noqa: F401
from connections.vendors.tokens import ClientTokens, Token, TokenCache, default_token_cache
from connections.vendors.vendor import ConfigField, CredentialField, Vendor, token_cache_key  # noqa: F401
from mlconnector.netguard import DestinationRefused, pinned_session

logger = logging.getLogger(__name__)

USER_AGENT = "ml-connector/1.0"
IDEMPOTENT_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
MAX_REDIRECTS = 5


class BaseClient(ClientTokens):
    vendor_label: ClassVar[str] = "Vendor"
    required_credentials: ClassVar[tuple[str, ...]] = ()
    max_attempts: ClassVar[int] = 4
    # Waits longer than this are not slept in-process: the error goes up to the caller.
    max_inline_wait: ClassVar[float] = 30.0
    # What to tell the user per status, on top of the vendor's own message.
    hints: ClassVar[dict[int, str]] = {}
    # What to tell the user when the token endpoint refuses the credentials.
    token_hint: ClassVar[str] = "Check the client id and secret on the connection."

    def __init__(self, *, base_url: str, credentials: dict, config: dict | None = None,
                 cache_key: str | None = None, token_cache: TokenCache | None = None,
                 session: requests.Session | None = None, timeout: float | None = None,
                 rate_limiter=None, sleep: Callable[[float], None] = time.sleep,
                 egress: EgressPolicy | None = None):
        if not base_url:
            raise VendorConfigurationError(f"{self.vendor_label} connection has no base URL.", vendor=self.vendor_label)
        missing = [name for name in self.required_credentials if not credentials.get(name)]
        if missing:
            raise VendorConfigurationError(
                f"{self.vendor_label} connection is missing {', '.join(missing)}. Enter it on the connection page.",
                vendor=self.vendor_label,
            )
        self.base_url = base_url.rstrip("/") + "/"
        self.credentials = credentials
        self.config = config or {}
        self.cache_key = cache_key or f"{self.vendor_label}:{id(self)}"
        self.token_cache = token_cache or default_token_cache()
        # The engine's write threads share one client: they wait for one token fetch, not one each.
        self._token_lock = threading.Lock()
        # Every connection this client opens goes through the egress check and to the checked address.
        self.egress = egress or EgressPolicy.from_settings(vendor_label=self.vendor_label)
        self.session = pinned_session(session or requests.Session(), self.egress.address_for)
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        if timeout is None:
            from django.conf import settings

            timeout = settings.VENDOR_HTTP_TIMEOUT
        self.timeout = timeout
        self.rate_limiter = rate_limiter or NoRateLimit()
        self.sleep = sleep
        self.calls = 0  # HTTP calls made, for run statistics and benchmarks (counted under a lock: threads share us)
        self._calls_lock = threading.Lock()
        # time.monotonic() by which a caller that is waiting (a connection test) must have its answer:
        # retries and each call's timeout are cut to fit. None for syncs.
        self.deadline: float | None = None
        self._token: Token | None = None  # the last token used, so each call need not ask the cache

    # --- hooks for vendor clients (and `fetch_token`, in ClientTokens) ------------------------
    def auth_headers(self, token: Token | None) -> dict:
        return {"Authorization": f"Bearer {token.value}"} if token else {}

    def vendor_message(self, response: requests.Response) -> str:
        """The vendor's own error text from an error response."""
        try:
            body = response.json()
        except ValueError:
            return ""  # an HTML page or plain text is not a vendor error message: nothing of it is echoed
        return extract_message(body)

    def check_connection(self) -> str:
        """Authenticate and make one cheap read; return what a user should see."""
        raise VendorConfigurationError(f"{self.vendor_label} client has no connection check.")

    @property
    def discovered_config(self) -> dict:
        """Config the client learned from the vendor (e.g. Dayforce's services host), kept on the connection."""
        return {}

    # --- the request path ------------------------------------------------------------------
    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def request(self, method: str, path: str, *, authenticated: bool = True, headers: dict | None = None,
                idempotent: bool | None = None, **kwargs) -> requests.Response:
        """Send one logical request. A non-idempotent call (POST by default) is retried only after a
        429, which the vendor did not process: a timeout or 5xx may have been processed, and retrying
        could create a record twice. The caller (engine id map, replay) handles those."""
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        reauthenticated = False
        attempt = 0
        while True:
            send_headers = dict(headers or {})
            if authenticated:
                send_headers.update(self.auth_headers(self.token()))
            try:
                response = self._send(method, self.url(path), headers=send_headers, **kwargs)
                if response.status_code == 401 and authenticated and not reauthenticated and self.renews_tokens:
                    # Tokens can be revoked or expire early; re-authenticate exactly once.
                    reauthenticated = True
                    self.invalidate_token()
                    continue
                self.raise_for_response(response)
                return response
            except VendorError as error:
                if not error.transient or attempt + 1 >= self.max_attempts:
                    raise
                if not idempotent and not isinstance(error, VendorRateLimited):
                    raise
                wait = error.retry_after if error.retry_after is not None else backoff_delay(attempt)
                if isinstance(error, VendorRateLimited):
                    self.rate_limiter.backoff(wait)
                if wait > self.max_inline_wait or (self.deadline and time.monotonic() + wait >= self.deadline):
                    raise
                logger.info("%s: %s; retrying in %.1fs", self.vendor_label, error.message, wait)
                self.sleep(wait)
                attempt += 1

    def _send(self, method: str, url: str, *, allow_redirects: bool = True, **kwargs) -> requests.Response:
        """One call, following redirects by hand: only to the same scheme, host and port, because the
        credentials go along, and each hop is checked again at connect time like the first."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send_once(method, url, **kwargs)
            if not (allow_redirects and response.is_redirect):
                return response
            target = urljoin(url, response.headers["Location"])
            if urlsplit(target)[:2] != urlsplit(url)[:2]:
                raise VendorConfigurationError(
                    f"{self.vendor_label} redirected the request to another host ({urlsplit(target).hostname}); "
                    "it was not followed, because credentials are sent only to the configured host. "
                    "Check the base URL.", vendor=self.vendor_label, status=response.status_code)
            if response.status_code == 303 or (response.status_code in (301, 302) and method.upper() == "POST"):
                method = "GET"
                kwargs = {k: v for k, v in kwargs.items() if k not in ("data", "json", "files")}
            url = target
        raise VendorUnavailable(f"{self.vendor_label} redirected more than {MAX_REDIRECTS} times.",
                                vendor=self.vendor_label)

    def call_timeout(self):
        if self.deadline is None:
            return self.timeout
        left = max(0.1, self.deadline - time.monotonic())
        if isinstance(self.timeout, tuple):
            return tuple(min(part, left) for part in self.timeout)
        return min(self.timeout, left)

    def _send_once(self, method: str, url: str, **kwargs) -> requests.Response:
        self.rate_limiter.acquire()
        with self._calls_lock:
            self.calls += 1
        try:
            return self.session.request(method, url, timeout=self.call_timeout(), allow_redirects=False, **kwargs)
        except DestinationRefused as refused:
            raise VendorConfigurationError(
                f"{self.vendor_label} was not called: {refused}.", vendor=self.vendor_label) from None
        except requests.Timeout:
            raise VendorUnavailable(
                f"{self.vendor_label} did not answer within {timeout_text(self.timeout)}. {TIMEOUT_HINT}",
                vendor=self.vendor_label, hint=TIMEOUT_HINT) from None
        except requests.ConnectionError as exc:
            raise VendorUnavailable(
                f"Could not reach {self.vendor_label} at {url.split('?')[0]} ({type(exc).__name__}). "
                "Check the base URL and that the service is up.", vendor=self.vendor_label) from None

    def raise_for_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        vendor_message = bounded(self.vendor_message(response))
        error_class = error_class_for(status)
        hint = self.hints.get(status) or DEFAULT_HINTS.get(error_class, "")
        said = f": {vendor_message.rstrip('. ')}" if vendor_message else ""
        message = f"{self.vendor_label} answered {status}{said}."
        if hint:
            message += f" {hint}"
        raise error_class(message, vendor=self.vendor_label, status=status, vendor_message=vendor_message,
                          retry_after=parse_retry_after(response.headers.get("Retry-After")), hint=hint)

    def json(self, response: requests.Response) -> Any:
        try:
            return vendor_json_loads(response.content)
        except (ValueError, RecursionError):
            raise VendorUnavailable(
                f"{self.vendor_label} sent a response that is not valid JSON (status {response.status_code}). "
                "It will be retried.", vendor=self.vendor_label, status=response.status_code) from None

    def get_json(self, path: str, **kwargs) -> Any:
        """GET and parse JSON. A garbled body is read again a few times (a cut connection); one that is garbled
        every time is permanent (VendorMalformed): retrying the run would read the same bytes forever."""
        attempt = 0
        while True:
            response = self.request("GET", path, **kwargs)
            try:
                return vendor_json_loads(response.content)
            except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than Python's stack
                attempt += 1
                if attempt >= self.max_attempts:
                    hint = f"If it keeps happening, report the URL to {self.vendor_label}'s support."
                    raise VendorMalformed(
                        f"{self.vendor_label} sent {path.split('?')[0]} as a body that is not valid JSON "
                        f"{attempt} times in a row ({error}); the run stops instead of reading it again and again. "
                        f"{hint}", vendor=self.vendor_label, hint=hint) from None
                self.sleep(backoff_delay(attempt))

    def post_token_form(self, url: str, data: dict, *, auth: tuple[str, str] | None = None) -> dict:
        """POST an OAuth token request; errors name the token endpoint and what to check."""
        try:
            response = self.request("POST", url, authenticated=False, data=data, auth=auth, idempotent=True,
                                    headers={"Accept": "application/json"})
        except (VendorAuthError, VendorRejected, VendorPermissionError, VendorNotFound) as error:
            said = f" ({error.vendor_message})" if error.vendor_message else ""
            raise VendorAuthError(
                f"{self.vendor_label} refused to issue a token at {url}{said}. {self.token_hint}",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message,
                hint=self.token_hint) from None
        body = self.json(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise VendorAuthError(f"{self.vendor_label} token endpoint answered without an access_token.",
                                  vendor=self.vendor_label)
        return body
