"""The one base client every vendor client is built on.

One request path (`BaseClient.request`): mandatory timeout, bearer token cached
per connection and renewed before it expires, one re-authentication on 401,
every failure mapped to the error taxonomy in `errors.py`, short transient waits
retried here with jittered exponential backoff honouring Retry-After, and long
waits handed up to the caller (Celery) as `VendorRateLimited`/`VendorUnavailable`.
"""
from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar
from urllib.parse import urljoin, urlsplit

import requests

from connections.vendors.errors import (
    VendorAuthError,
    VendorConfigurationError,
    VendorConflict,
    VendorError,
    VendorMalformed,
    VendorNotFound,
    VendorPermissionError,
    VendorPreconditionFailed,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from connections.vendors.egress import EgressPolicy
from connections.vendors.tokens import MemoryTokenCache, Token, TokenCache
from mlconnector.netguard import DestinationRefused, pinned_session

logger = logging.getLogger(__name__)

USER_AGENT = "ml-connector/1.0"
IDEMPOTENT_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
MAX_REDIRECTS = 5
# What is echoed of a vendor's error answer: its message fields only, never the raw body, and at most this
# much of them; a URL pointed at something that is not the vendor must not be a way to read that thing.
MESSAGE_LIMIT = 200


def full_jitter(cap: float) -> float:
    """AWS-style full jitter; module-level so tests can replace it."""
    return random.uniform(0, cap)


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 30.0,
                  jitter: Callable[[float], float] = full_jitter) -> float:
    return jitter(min(cap, base * (2 ** attempt)))


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class UnreadableNumber(str):
    """A JSON number Python cannot hold as a number: a float that overflows (`1e400`), an integer past
    Python's digit limit (`sys.get_int_max_str_digits`, 4,300), or NaN/Infinity. It stays in its record
    as the vendor's text, so only that record fails (mapping it raises ValueError) and the page is read."""


def _json_float(text: str) -> float | UnreadableNumber:
    value = float(text)
    return value if math.isfinite(value) else UnreadableNumber(text)


def _json_int(text: str) -> int | UnreadableNumber:
    try:
        return int(text)
    except ValueError:
        return UnreadableNumber(text)


def vendor_json_loads(raw: bytes | str) -> Any:
    """Parse a vendor's JSON body; odd numbers become UnreadableNumber instead of failing the whole body."""
    return json.loads(raw, parse_float=_json_float, parse_int=_json_int, parse_constant=UnreadableNumber)


@dataclass(frozen=True)
class RateLimit:
    """A quota a vendor publishes: `limit` per `seconds`. Scope "" counts every request of the account (the
    base client acquires it before each call); a named scope is acquired by the client itself, per `key` (a
    dataset, a board) and with a weight (rows), e.g. Power BI's 1,000,000 rows per hour per dataset."""

    limit: int
    seconds: float
    scope: str = ""


class NoRateLimit:
    """Rate limiter interface: `acquire()` before each call, `backoff(seconds)` after a 429; clients with
    scoped `rate_limits` also call `acquire(scope=…, key=…, weight=…)`."""

    def acquire(self, *, scope: str = "", key: str = "", weight: int = 1) -> None:
        return None

    def backoff(self, seconds: float) -> None:
        return None


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = True
    help: str = ""
    required: bool = True  # optional ones (webhook secrets) may stay empty


@dataclass(frozen=True)
class ConfigField:
    name: str
    label: str
    default: str = ""
    required: bool = False
    help: str = ""
    # A URL the client sends credentials to (a token endpoint): checked like the base URL, and changing
    # it needs the secrets entered again.
    url: bool = False
    # Vendor plumbing most customers never change (scopes, header values): shown under "Advanced".
    advanced: bool = False

    @property
    def folded(self) -> bool:
        """Under the "Advanced" fold: marked so, or a URL of the vendor's own (its token endpoint)."""
        return self.advanced or self.url


@dataclass(frozen=True)
class Vendor:
    """What the registry knows about one vendor."""

    kind: str
    label: str
    client_class: type["BaseClient"]
    default_base_url: str
    credential_fields: tuple[CredentialField, ...]
    config_fields: tuple[ConfigField, ...] = ()
    # Path prefix under which the local sandbox serves this vendor's API, and
    # config values that point the auth endpoints at the sandbox too.
    sandbox_prefix: str = ""
    sandbox_config: Callable[[str], dict] = field(default=lambda sandbox_url: {})
    # The vendor's own API and auth hosts (`*.example.com` for subdomains); nothing else is called unless an
    # operator allowlists a host for the tenant (connections.models.AllowedHost).
    allowed_hosts: tuple[str, ...] = ()

    @property
    def url_fields(self) -> tuple[str, ...]:
        """Every setting that says where the credentials are sent: the base URL and URL-valued config."""
        return ("base_url",) + tuple(f.name for f in self.config_fields if f.url)

    def egress_for(self, tenant_id: int | None) -> EgressPolicy:
        from connections.selectors import tenant_allowed_hosts

        extra = tenant_allowed_hosts(tenant_id=tenant_id) if tenant_id else ()
        return EgressPolicy.from_settings(vendor_label=self.label, allowed_hosts=self.allowed_hosts + extra)
    # The package's webhooks module (verify/parse/challenge, see vendors/events.py), found by the registry.
    webhooks: Any = None
    # The package's registration module, where the vendor's API lets us register our intake URL ourselves
    # (credentials_new/register/registered, see services.connection_webhooks_register); found by the registry.
    registration: Any = None

    def credentials_missing(self, credentials: dict) -> list[str]:
        """Required credentials left empty; a vendor offering alternatives (an API key or OAuth) overrides it."""
        return [f.name for f in self.credential_fields if f.required and not credentials.get(f.name)]

    @staticmethod
    def token_or_app_missing(credentials: dict, token: str, app: tuple[str, ...] = ("client_id", "client_secret")):
        """For vendors entered either way: a token, or every half of an OAuth app's client credentials."""
        if credentials.get(token):
            return []
        if any(credentials.get(name) for name in app):
            return [name for name in app if not credentials.get(name)]
        return [token]

    def sandbox_base_url(self, sandbox_url: str) -> str:
        return sandbox_url.rstrip("/") + self.sandbox_prefix

    def client_for(self, connection, **kwargs) -> "BaseClient":
        config = {f.name: f.default for f in self.config_fields}
        config.update({k: v for k, v in (connection.config or {}).items() if v not in (None, "")})
        return self.client_class(
            base_url=connection.base_url or self.default_base_url,
            credentials=connection.credentials or {},
            config=config,
            cache_key=token_cache_key(self.kind, connection.pk),
            egress=self.egress_for(connection.tenant_id),
            **kwargs,
        )


def token_cache_key(kind: str, connection_id: int | None) -> str:
    return f"{kind}:{connection_id}"


class BaseClient:
    vendor_label: ClassVar[str] = "Vendor"
    required_credentials: ClassVar[tuple[str, ...]] = ()
    # Renew this many seconds before expiry, so a token never dies mid-page.
    token_renew_margin: ClassVar[float] = 120.0
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

    # --- hooks for vendor clients --------------------------------------------------
    def fetch_token(self) -> Token | None:
        """Obtain a fresh token; None for vendors with static keys."""
        return None

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

    # --- tokens ---------------------------------------------------------------
    @property
    def renews_tokens(self) -> bool:
        """Static API keys have nothing to renew: a 401 is final at once."""
        return type(self).fetch_token is not BaseClient.fetch_token

    def _usable_token(self) -> Token | None:
        # The shared cache (a file or Redis read plus a Fernet decryption) is asked only when the token this
        # client last used is about to expire; a token revoked meanwhile answers 401, which re-authenticates.
        token = self._token
        if token is None or token.expires_within(self.token_renew_margin):
            token = self.token_cache.get(self.cache_key)
        if token and not token.expires_within(self.token_renew_margin):
            self._token = token
            return token
        return None

    def token(self) -> Token | None:
        token = self._usable_token()
        if token or not self.renews_tokens:
            return token
        # Single flight: the engine's write threads share this client (its lock), every worker of the
        # connection shares the cache (its renewal lock); under both the cache is read again first.
        with self._token_lock, self.token_cache.renewal_lock(self.cache_key):
            return self._usable_token() or self._token_fetch()

    def _token_fetch(self) -> Token | None:
        token = self.fetch_token()
        if token:
            self.token_cache.set(self.cache_key, token)
        self._token = token
        return token

    def invalidate_token(self) -> None:
        """After a 401: drop the token, unless another worker already replaced it with a fresh one."""
        refused, self._token = self._token, None
        with self.token_cache.renewal_lock(self.cache_key):
            cached = self.token_cache.get(self.cache_key)
            if cached is None or refused is None or cached.value == refused.value:
                self.token_cache.delete(self.cache_key)

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


DEFAULT_HINTS = {
    VendorAuthError: "Check the credentials on the connection; if they were changed or revoked at the vendor, enter new ones.",
    VendorPermissionError: "The account authenticates but lacks a permission or scope; ask the vendor admin to grant it.",
    VendorNotFound: "The resource does not exist for this account; check ids in the connection settings.",
    VendorRejected: "Correct the value the vendor names (at the source, or in the mapping that produced it), "
                    "then replay the record.",
    VendorConflict: "The record changed at the vendor meanwhile; it will be re-read and retried.",
    VendorPreconditionFailed: "The record changed at the vendor since it was read; it is re-read and written again.",
    VendorRateLimited: "The vendor's rate limit was hit; the sync waits as asked and continues.",
    VendorUnavailable: "The vendor is having trouble; the call will be retried with backoff.",
}
TIMEOUT_HINT = "It will be retried; if it keeps happening, check the vendor's status page."

# A connection test is not retried: the hints that promise a retry are true of a sync only, so a test says
# what the person testing can do instead (connections.services.connection_test).
RETRY_PROMISES = {DEFAULT_HINTS[VendorUnavailable], DEFAULT_HINTS[VendorRateLimited], DEFAULT_HINTS[VendorConflict],
                  TIMEOUT_HINT}
TEST_HINTS = {
    VendorRateLimited: "The vendor's rate limit was hit; wait a minute, then test again.",
    VendorError: "The vendor is having trouble or did not answer in time; test again in a few minutes, and "
                 "check the vendor's status page if it goes on.",
}


def connection_test_hint(error) -> str | None:
    """The hint a connection test shows instead of the error's own, when that one promises a retry."""
    if error.hint not in RETRY_PROMISES:
        return None
    return TEST_HINTS.get(type(error)) or TEST_HINTS[VendorError]


def error_class_for(status: int) -> type[VendorError]:
    if status == 401:
        return VendorAuthError
    if status == 403:
        return VendorPermissionError
    if status == 404:
        return VendorNotFound
    if status == 412:
        return VendorPreconditionFailed
    if status in (409, 423):
        return VendorConflict
    if status == 429:
        return VendorRateLimited
    if status >= 500:
        return VendorUnavailable
    return VendorRejected


def extract_message(body: Any, *, nested: bool = False) -> str:
    """Pull a human message out of the common error-body shapes vendors use: their message fields only.

    A bare string or an unknown JSON shape is not an error message we recognise, so nothing of it is
    returned: what a URL answers that is not the vendor must not come back in our error text."""
    if isinstance(body, dict):
        for key in ("ExceptionMessage", "error_description", "message", "Message", "detail", "description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return bounded(value)
        for key in ("error", "errors", "Messages", "messages"):
            value = body.get(key)
            if isinstance(value, (dict, list)):
                inner = extract_message(value, nested=True)
                if inner:
                    return inner
            elif isinstance(value, str) and value:
                return bounded(value)
    if isinstance(body, list) and body:
        return bounded("; ".join(filter(None, (extract_message(item, nested=nested) for item in body[:3]))))
    if isinstance(body, str) and nested:
        return bounded(body)
    return ""


def bounded(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeout_text(timeout) -> str:
    if isinstance(timeout, tuple):
        return f"{timeout[0]:g}s to connect and {timeout[1]:g}s to answer"
    return f"{timeout:g}s"


def default_token_cache() -> TokenCache:
    from connections.vendors.tokens import DjangoCacheTokenCache

    try:
        return DjangoCacheTokenCache()
    except Exception:  # settings not configured (plain scripts): fall back to process memory
        return MemoryTokenCache()
