"""Rippling REST API client (rest.ripplingapis.com): customer API keys or App Shop OAuth installs.

docs/vendors/rippling.md is the source for every quirk cited below.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterator, Sequence
from urllib.parse import quote, urljoin, urlsplit

from connections.vendors.base import BaseClient
from connections.vendors.errors import (
    VendorAuthError,
    VendorConfigurationError,
    VendorPermissionError,
    VendorRejected,
)
from connections.vendors.rippling.oauth import REVOKED_HINT, AppShopInstall, MemoryCredentialStore, auth_method

API_ACCESS = "Company Settings → API Access"
WORKERS_SCOPE = "workers.read"
@dataclass(frozen=True)
class RipplingPage:
    """One page of a REST list: its records, the link to the next page (None on the last) and the
    fields Rippling left out because the key may not read them (`__meta.redacted_fields`)."""

    results: list[dict]
    next_link: str | None
    redacted_fields: tuple[str, ...] = ()

    @property
    def last_updated_at(self) -> datetime | None:
        """The newest `updated_at` on the page (the next delta's watermark); unparseable ones are skipped."""
        stamps = []
        for row in self.results:
            try:
                stamps.append(parse_timestamp(row.get("updated_at")))
            except (AttributeError, ValueError):
                continue
        return max(stamps, default=None)


class RipplingClient(AppShopInstall, BaseClient):
    vendor_label = "Rippling"
    required_credentials = ()  # an API key, or an App Shop install's client id and secret (checked below)
    token_hint = "Check the App Shop client id and secret on the connection."
    # `limit` is not in the spec, but Rippling accepts it and caps pages at 100 (docs/vendors/rippling.md §3,
    # UNCONFIRMED): ask for the cap explicitly rather than rely on an undocumented default.
    page_size = 100
    hints = {
        400: ("Check the query: in `filter`, strings are quoted and dates are not "
              "(updated_at ge 2024-10-01T00:00:00)."),
        401: (f"Create a new API key in Rippling under {API_ACCESS} and enter it on the connection. Keys stop "
              "working when revoked or when the admin who created them leaves, and reportedly after 30 days "
              "without use."),
        403: (f"The API key lacks the read scope for this data (for workers: {WORKERS_SCOPE}); a Rippling admin "
              f"can add it to the key under {API_ACCESS}."),
        429: "Rippling's rate limit was hit; the sync waits as long as Rippling asks (Retry-After) and continues.",
    }

    def __init__(self, *, credential_store=None, **kwargs):
        super().__init__(**kwargs)
        self.oauth = auth_method(self.credentials) == "oauth"
        needed = ("client_id", "client_secret") if self.oauth else ("api_key",)
        missing = [name for name in needed if not self.credentials.get(name)]
        if missing:
            raise VendorConfigurationError(
                f"Rippling connection is missing {', '.join(missing)}. Enter an API key, or the App Shop client id "
                "and secret and then connect Rippling.", vendor=self.vendor_label)
        self.credential_store = credential_store or MemoryCredentialStore(self.credentials)
        if self.oauth:
            self.hints = {**self.hints, 401: REVOKED_HINT, 403: (
                "The App Shop install lacks the read scope for this data (for workers: workers.read); the app's "
                "scopes are set in its Rippling development package, and the company installs it again.")}

    @property
    def renews_tokens(self) -> bool:
        return self.oauth  # a 401 on an API key is final; on an install, the token is refreshed once

    def auth_headers(self, token):
        # A customer API key is a static bearer secret: no token endpoint, no refresh (docs/vendors/rippling.md §1).
        # It is sent straight from the credentials instead of through the token cache, so a key
        # rotated on the connection is used on the very next call and never copied into the cache.
        value = token.value if self.oauth else self.credentials["api_key"]
        return {"Authorization": f"Bearer {value}", "Accept": "application/json"}

    def check_connection(self) -> str:
        # One page of workers proves the key, the API Tier entitlement and the scope the flows need.
        credential = "App Shop install" if self.oauth else "API key"
        try:
            page = self.get_json("workers/", params={"limit": self.page_size})
        except VendorAuthError as error:
            if self.oauth:
                raise
            said = f": {error.vendor_message.rstrip('.')}" if error.vendor_message else ""
            raise VendorAuthError(
                f"Rippling rejected the API key{said}. {self.hints[401]}", vendor=self.vendor_label,
                status=error.status, vendor_message=error.vendor_message) from None
        except VendorPermissionError as error:
            # Rippling's 403 body does not reliably name the scope (docs/vendors/rippling.md §6), but the spec says
            # exactly which one listing workers needs, so say it in plain words.
            said = f" Rippling said: {error.vendor_message}" if error.vendor_message else ""
            raise VendorPermissionError(
                f"Rippling says the API key may not list workers: it lacks the scope '{WORKERS_SCOPE}' (or the "
                f"company's Rippling plan does not include API Tier 1). A Rippling admin can tick {WORKERS_SCOPE} "
                f"on the key under {API_ACCESS}.{said}", vendor=self.vendor_label, status=error.status,
                vendor_message=error.vendor_message) from None
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            # The legacy Platform API answers with bare arrays (docs/vendors/rippling.md §4); this client speaks REST.
            raise VendorConfigurationError(
                f"{self.base_url}workers/ did not answer with Rippling's REST list shape (results, next_link). "
                "Set the base URL to https://rest.ripplingapis.com.", vendor=self.vendor_label)

        count = len(page["results"])
        # No total count exists in the REST API (cursor paging): a full first page says "more than".
        plural = "s" if count != 1 else ""
        visible = f"more than {count} workers" if page.get("next_link") else f"{count} worker{plural}"
        message = f"Connected to Rippling: the {credential} can read workers; {visible} visible."
        hidden = redacted_field_names(page)
        if hidden:
            message += (f" Rippling hides {', '.join(hidden)} from this key; if those should sync, add the matching "
                        f"scope (e.g. workers.sensitive.personal.read) under {API_ACCESS}.")
        return message

    # --- reads the flows use -----------------------------------------------------------
    def worker_pages(self, *, updated_since: datetime | None = None, next_link: str | None = None,
                     page_size: int = 100, expand: Sequence[str] = ("user",)) -> Iterator[RipplingPage]:
        """Workers page by page: a delta when `updated_since` is given, else a full sync.

        Delta: `filter=updated_at ge <watermark>` with `order_by=updated_at`; full: `order_by=created_at`
        for stable pages (docs/vendors/rippling.md §3, PostHog). `ge` is inclusive, so the newest record of the last
        run comes again; the id map's content hash makes that free. With `next_link` (saved after a
        page was processed) the walk resumes there; the link carries the query, so the other
        arguments are not sent again.
        """
        params: dict = {"limit": page_size}
        if expand:
            params["expand"] = ",".join(expand)
        if updated_since is not None:
            params["filter"] = f"updated_at ge {filter_datetime(updated_since)}"
            params["order_by"] = "updated_at"
        else:
            params["order_by"] = "created_at"
        return self.pages("workers/", params, next_link=next_link)

    def department_pages(self, *, updated_since: datetime | None = None, next_link: str | None = None,
                         page_size: int = 100, expand: Sequence[str] = ()) -> Iterator[RipplingPage]:
        """Departments page by page, like `worker_pages`.

        The spec gives /departments/ no `filter` parameter, so a delta orders by updated_at and
        drops older departments here; a company has few, so reading them all costs little.
        """
        params: dict = {"limit": page_size, "order_by": "updated_at" if updated_since is not None else "created_at"}
        if expand:
            params["expand"] = ",".join(expand)
        for page in self.pages("departments/", params, next_link=next_link):
            if updated_since is not None:
                page = replace(page, results=[row for row in page.results if updated_on_or_after(row, updated_since)])
            yield page

    def get_worker(self, worker_id: str, *, expand: Sequence[str] = ("user",)) -> dict:
        """One worker as Rippling sends it: the worker's fields plus `__meta` (redacted fields)."""
        params = {"expand": ",".join(expand)} if expand else None
        return self.get_json(f"workers/{quote(worker_id, safe='')}/", params=params)

    def list_departments(self) -> list[dict]:
        """Every department (for the cost-center mapping wizard)."""
        return self.list_all("departments/")

    def list_work_locations(self) -> list[dict]:
        return self.list_all("work-locations/")

    def list_teams(self) -> list[dict]:
        """Every team (GET /teams/, scope teams.read): the values a worker's `teams_id` takes."""
        return self.list_all("teams/")

    def list_levels(self) -> list[dict]:
        """Every level (GET /levels/, scope levels.read): the values a worker's `level_id` takes."""
        return self.list_all("levels/")

    def list_employment_types(self) -> list[dict]:
        return self.list_all("employment-types/")

    def list_all(self, path: str) -> list[dict]:
        return [row for page in self.pages(path, {"order_by": "created_at"}) for row in page.results]

    # --- paging ---------------------------------------------------------------------
    def pages(self, path: str, params: dict | None = None, *, next_link: str | None = None) -> Iterator[RipplingPage]:
        """Every page of a REST collection as `RipplingPage`s, from `next_link` when resuming."""
        for body in self.iter_pages(path, params, next_link=next_link):
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise VendorConfigurationError(
                    f"{self.base_url}{path} did not answer with Rippling's REST list shape (results, next_link). "
                    "Set the base URL to https://rest.ripplingapis.com.", vendor=self.vendor_label)
            yield RipplingPage(results=body["results"], next_link=body.get("next_link") or None,
                               redacted_fields=tuple(redacted_field_names(body)))

    def iter_pages(self, path: str, params: dict | None = None, *, next_link: str | None = None) -> Iterator[dict]:
        """Every page of a REST collection, following next_link until it is absent (docs/vendors/rippling.md §3).

        Pages rather than records are yielded so callers see `__meta` and can persist next_link
        to resume. The cursor carries the query, so later pages are fetched without params.
        """
        if next_link:
            page = self.get_json(self.next_page_url(next_link))
        else:
            page = self.get_json(path, params={"limit": self.page_size, **(params or {})})
        while True:
            yield page
            next_link = page.get("next_link") if isinstance(page, dict) else None
            if not next_link:
                return
            page = self.get_json(self.next_page_url(next_link))

    def next_page_url(self, next_link: str) -> str:
        # next_link may be relative to the host (docs/vendors/rippling.md §3, PostHog). A link to any other host
        # is refused: following it would send the API key there.
        url = urljoin(self.base_url, next_link)
        if urlsplit(url)[:2] != urlsplit(self.base_url)[:2]:
            raise VendorRejected(
                f"Rippling sent a next-page link to another host ({urlsplit(url).netloc}); it was not followed so "
                "the API key is not sent there. Check the base URL on the connection.", vendor=self.vendor_label)
        return url


def redacted_field_names(page: dict) -> list[str]:
    """Fields Rippling dropped because the key may not read them (`__meta.redacted_fields`,
    docs/vendors/rippling.md §3)."""
    meta = page.get("__meta")
    fields = meta.get("redacted_fields") if isinstance(meta, dict) else None
    if not isinstance(fields, list):
        return []
    return [f["name"] for f in fields if isinstance(f, dict) and f.get("name")]


def parse_timestamp(value: str) -> datetime:
    """An aware UTC datetime from Rippling's timestamps: `Z`, `+00:00`, `+0000` (legacy) or none (UTC)."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a timestamp: {value!r}")
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def filter_datetime(value: datetime) -> str:
    """A datetime as `filter` wants it: unquoted, UTC, whole seconds (`2024-10-01T00:00:00`,
    docs/vendors/rippling.md §3).

    A naive datetime is taken as UTC. Seconds are truncated, never rounded up, so with `ge` the
    filter can only re-read a record, not miss one. Offsets and fractions in a filter are UNCONFIRMED.
    """
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def updated_on_or_after(row: dict, since: datetime) -> bool:
    """Keep a record unless its updated_at is readable and older than `since` (an odd one is not dropped)."""
    try:
        return parse_timestamp(row.get("updated_at")) >= (since if since.tzinfo else since.replace(tzinfo=timezone.utc))
    except ValueError:
        return True
