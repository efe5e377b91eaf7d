"""Rippling REST API client (rest.ripplingapis.com, customer API keys).

CONTRACT.md (../shared/specs/rippling/) is the source for every quirk cited below.
"""
from __future__ import annotations

from typing import Iterator
from urllib.parse import urljoin, urlsplit

from connections.vendors.base import BaseClient
from connections.vendors.errors import (
    VendorAuthError,
    VendorConfigurationError,
    VendorPermissionError,
    VendorRejected,
)

API_ACCESS = "Company Settings → API Access"
WORKERS_SCOPE = "workers.read"


class RipplingClient(BaseClient):
    vendor_label = "Rippling"
    required_credentials = ("api_key",)
    # `limit` is not in the spec, but Rippling accepts it and caps pages at 100 (CONTRACT §3,
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

    def auth_headers(self, token):
        # A customer API key is a static bearer secret: no token endpoint, no refresh (CONTRACT §1).
        # It is sent straight from the credentials instead of through the token cache, so a key
        # rotated on the connection is used on the very next call and never copied into the cache.
        return {"Authorization": f"Bearer {self.credentials['api_key']}", "Accept": "application/json"}

    def check_connection(self) -> str:
        # One page of workers proves the key, the API Tier entitlement and the scope the flows need.
        try:
            page = self.get_json("workers/", params={"limit": self.page_size})
        except VendorAuthError as error:
            said = f": {error.vendor_message.rstrip('.')}" if error.vendor_message else ""
            raise VendorAuthError(
                f"Rippling rejected the API key{said}. {self.hints[401]}", vendor=self.vendor_label,
                status=error.status, vendor_message=error.vendor_message) from None
        except VendorPermissionError as error:
            # Rippling's 403 body does not reliably name the scope (CONTRACT §6), but the spec says
            # exactly which one listing workers needs, so say it in plain words.
            said = f" Rippling said: {error.vendor_message}" if error.vendor_message else ""
            raise VendorPermissionError(
                f"Rippling says the API key may not list workers: it lacks the scope '{WORKERS_SCOPE}' (or the "
                f"company's Rippling plan does not include API Tier 1). A Rippling admin can tick {WORKERS_SCOPE} "
                f"on the key under {API_ACCESS}.{said}", vendor=self.vendor_label, status=error.status,
                vendor_message=error.vendor_message) from None
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            # The legacy Platform API answers with bare arrays (CONTRACT §4); this client speaks REST.
            raise VendorConfigurationError(
                f"{self.base_url}workers/ did not answer with Rippling's REST list shape (results, next_link). "
                "Set the base URL to https://rest.ripplingapis.com.", vendor=self.vendor_label)

        count = len(page["results"])
        # No total count exists in the REST API (cursor paging): a full first page says "more than".
        plural = "s" if count != 1 else ""
        visible = f"more than {count} workers" if page.get("next_link") else f"{count} worker{plural}"
        message = f"Connected to Rippling: the API key can read workers; {visible} visible."
        hidden = redacted_field_names(page)
        if hidden:
            message += (f" Rippling hides {', '.join(hidden)} from this key; if those should sync, add the matching "
                        f"scope (e.g. workers.sensitive.personal.read) under {API_ACCESS}.")
        return message

    # --- paging ---------------------------------------------------------------------
    def iter_pages(self, path: str, params: dict | None = None) -> Iterator[dict]:
        """Every page of a REST collection, following next_link until it is absent (CONTRACT §3).

        Pages rather than records are yielded so callers see `__meta` and can persist next_link
        to resume. The cursor carries the query, so later pages are fetched without params.
        """
        page = self.get_json(path, params={"limit": self.page_size, **(params or {})})
        while True:
            yield page
            next_link = page.get("next_link") if isinstance(page, dict) else None
            if not next_link:
                return
            page = self.get_json(self.next_page_url(next_link))

    def next_page_url(self, next_link: str) -> str:
        # next_link may be relative to the host (CONTRACT §3, PostHog). A link to any other host
        # is refused: following it would send the API key there.
        url = urljoin(self.base_url, next_link)
        if urlsplit(url)[:2] != urlsplit(self.base_url)[:2]:
            raise VendorRejected(
                f"Rippling sent a next-page link to another host ({urlsplit(url).netloc}); it was not followed so "
                "the API key is not sent there. Check the base URL on the connection.", vendor=self.vendor_label)
        return url


def redacted_field_names(page: dict) -> list[str]:
    """Fields Rippling dropped because the key may not read them (`__meta.redacted_fields`, CONTRACT §3)."""
    meta = page.get("__meta")
    fields = meta.get("redacted_fields") if isinstance(meta, dict) else None
    if not isinstance(fields, list):
        return []
    return [f["name"] for f in fields if isinstance(f, dict) and f.get("name")]
