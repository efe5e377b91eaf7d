"""monday.com platform API client (GraphQL at https://api.monday.com/v2, static personal API tokens).

Facts cite docs/vendors/monday.md. Every call is one POST of a named document from `documents.py` with its
values as variables, and application-level errors (permissions, bad column values, complexity budget) come
back as HTTP 200 with an ``errors`` array (§2). `raise_for_response`, the single hook the base request loop
calls, looks inside every body and maps ``extensions.code`` onto the project's error taxonomy (`errors.py`),
so a rate-limit error found in a 200 body is retried exactly like a 429. Each answer's cost and budget feed
the connection's pacer (`pacing.py`); mutations of one board are sent one at a time.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Iterator

import requests

from connections.vendors.base import (
    DEFAULT_HINTS,
    BaseClient,
    backoff_delay,
    bounded,
    error_class_for,
    parse_retry_after,
)
from connections.vendors.errors import (
    VendorAuthError,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorPermissionError,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from connections.vendors.monday import documents
from connections.vendors.monday.oauth import NOT_CONNECTED_HINT, AppInstall
from connections.vendors.monday.errors import (  # noqa: F401  (graphql_errors, retry_in_seconds: public helpers)
    CLASS_STATUS,
    ERROR_CODES,
    graphql_errors,
    retry_in_seconds,
)
from connections.vendors.monday.pacing import budget_from_headers, board_serialised, pacer_for

GRAPHQL_PATH = "v2"
# The version of the SDL in the specs folder; monday serves a well-formed but unknown version as
# the current one, while a malformed value is an error (docs/vendors/monday.md §1).
DEFAULT_API_VERSION = "2026-10"
OPERATION = re.compile(r"^\s*(query|mutation)\s+(\w+)")
PAGE_LIMIT = 100  # items per page; monday allows up to 500 (§5), 100 keeps one page's cost modest


@dataclass
class ItemChange:
    """The outcome of one change of a batch: the item, and the error monday gave for it, if any."""
    item_id: str
    error: VendorError | None = None


def token_digest(token: str | None) -> str:
    """A short digest of a token: a cached user id counts only while the token it was read with is in use."""
    return hashlib.sha256(str(token or "").strip().encode()).hexdigest()[:16]


def encoded(values: dict) -> str:
    # `column_values` is a JSON scalar that monday wants as a JSON-encoded string keyed by column id (§4).
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


class MondayClient(AppInstall, BaseClient):
    vendor_label = "monday.com"
    # A personal API token, or an app's client id and secret whose token "Connect monday.com" fetches (oauth.py).
    required_credentials = ()
    hints = {
        401: ("monday.com does not accept the API token. Copy the current personal API token from monday.com "
              "(avatar > Developers > My access tokens) into the connection; regenerating the token there "
              "invalidates the old one. 'Your ip is restricted' means the account admin allows API calls only "
              "from listed IP addresses."),
        403: ("The token's user is not allowed to do this. Use a token of a member or admin who can see the "
              "boards involved, or ask the monday.com account admin to grant access."),
        404: "The board or item does not exist or is not shared with the token's user; check the board ids.",
        429: ("monday.com's rate limit or per-minute complexity budget was hit; the sync waits as long as "
              "monday asks and continues."),
    }
    code_hints = {
        "DAILY_LIMIT_EXCEEDED": ("The account's daily API call limit is used up; it resets at midnight UTC. "
                                 "Sync less often, or raise the limit in monday's administration (Enterprise)."),
        "ItemsLimitationException": (
            "The board holds as many items as monday.com allows on one board (10,000). Delete items you no longer "
            "need from it, or pick another board for these documents in the integration's setup; then replay the "
            "failed records."),
        "InvalidVersionException": ("Set the connection's API version to a YYYY-MM version monday.com supports, "
                                    f"e.g. {DEFAULT_API_VERSION}."),
    }

    # --- auth: a static personal token, sent raw ------------------------------------------
    # No token endpoint and no expiry (docs/vendors/monday.md §1), so nothing is fetched or cached: the header is
    # built from the connection's credentials on every call. A token pasted in after a "Regenerate"
    # therefore takes effect at once (a cached copy would be sent until it failed, or forever if it
    # belonged to another still-valid account), and no copy of the secret sits in the shared cache.
    def token(self):
        return None

    def auth_headers(self, token):
        # monday wants the raw token, without "Bearer " (docs/vendors/monday.md §1, [SDK]).
        if not self.credentials.get("api_token"):
            raise VendorAuthError(NOT_CONNECTED_HINT, vendor=self.vendor_label, hint=NOT_CONNECTED_HINT)
        return {
            "Authorization": str(self.credentials["api_token"]).strip(),
            "API-Version": self.config.get("api_version") or DEFAULT_API_VERSION,
        }

    # --- GraphQL ---------------------------------------------------------------------------
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pacer = pacer_for(self.cache_key)
        self._partial = threading.local()  # set while a batch accepts per-alias errors

    def graphql(self, document: str, variables: dict | None = None, *, partial: bool = False) -> dict:
        """Run one named document and return its ``data``; any error in the body raises (unless `partial`:
        then errors of single aliases come back in ``data["_errors"]``)."""
        named = OPERATION.match(document)
        if named is None:
            raise ValueError("monday documents are named operations from documents.py")
        kind, name = named.groups()
        payload: dict[str, Any] = {"query": document}
        if variables:
            payload["variables"] = variables
        attempt = 0
        while True:
            wait = self.pacer.wait_before(name)
            if wait > self.max_inline_wait:
                # Not sent: it would only be refused. Long waits belong to the caller (Celery), like a 429's.
                raise VendorRateLimited(
                    f"{self.vendor_label}'s complexity budget for this minute is used up; it resets in "
                    f"{wait:.0f} s. {self.hints[429]}", vendor=self.vendor_label, status=429, retry_after=wait,
                    hint=self.hints[429])
            if wait:
                self.sleep(wait)
            self._partial.on = partial
            try:
                # Queries are reads (safe to retry); mutations are not.
                response = self.request("POST", GRAPHQL_PATH, json=payload, idempotent=kind == "query")
                body = self.json(response)
            except VendorRateLimited as error:
                if error.retry_after is not None:
                    self.pacer.exhausted(error.retry_after)
                raise
            except VendorConflict as error:
                # 423: the board is being updated and nothing was applied, so even a mutation is resent.
                attempt += 1
                if error.status != 423 or attempt >= self.max_attempts:
                    raise
                self.sleep(backoff_delay(attempt))
                continue
            except VendorUnavailable:
                # A truncated body on a read is safe to ask for again; a mutation may already have
                # been applied, so that goes up instead of being silently repeated.
                attempt += 1
                if kind == "mutation" or attempt >= self.max_attempts:
                    raise
                self.sleep(backoff_delay(attempt))
                continue
            finally:
                self._partial.on = False
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict):
                raise VendorUnavailable(f"{self.vendor_label} answered without a data object.",
                                        vendor=self.vendor_label, status=response.status_code)
            self._observe(name, data, response)
            if partial:
                data["_errors"] = {str(e["path"][0]): self._error(e, response.status_code)
                                   for e in graphql_errors(body)}
            return data

    def _observe(self, name: str, data: dict, response: requests.Response) -> None:
        remaining, reset_in = budget_from_headers(response.headers)
        complexity = data.get("complexity") or {}
        self.pacer.observe(name, cost=complexity.get("query"),
                           remaining=complexity.get("after", remaining),
                           reset_in=complexity.get("reset_in_x_seconds", reset_in))

    def raise_for_response(self, response: requests.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = graphql_errors(body)
        if errors and response.status_code == 200 and getattr(self._partial, "on", False) and all(
                e.get("path") for e in errors):
            return  # errors of single fields (aliases) of a batch: `graphql(partial=True)` hands them out
        if not errors:
            # Non-GraphQL failures (an HTML 502 from a proxy, an empty 401) take the common path.
            super().raise_for_response(response)
            return
        # Partial data comes with errors (docs/vendors/monday.md §2); a connector must not act on half an answer,
        # so any error fails the call. The first error decides the class and the message.
        raise self._error(errors[0], response.status_code, errors, response.headers.get("Retry-After"))

    def _error(self, first: dict, status: int, errors: list[dict] | None = None,
               retry_after_header: str | None = None) -> VendorError:
        errors = errors or [first]
        extensions = first.get("extensions") or {}
        code = str(extensions.get("code") or "")
        declared = extensions.get("status_code")
        error_class = ERROR_CODES.get(code)
        if error_class is None:
            if isinstance(declared, int) and declared >= 400:
                error_class = error_class_for(declared)
            elif status >= 400:
                error_class = error_class_for(status)
            else:
                error_class = VendorRejected  # e.g. GraphQL validation errors, served as 200
        effective_status = status if status >= 400 else (
            declared if isinstance(declared, int) and declared >= 400 else CLASS_STATUS.get(error_class, 400))
        vendor_message = bounded("; ".join(str(e.get("message", "")).strip() for e in errors[:3] if e.get("message")))
        hint = self.code_hints.get(code) or self.hints.get(effective_status) or DEFAULT_HINTS.get(error_class, "")
        said = f": {vendor_message.rstrip('. ')}" if vendor_message else ""
        named = f" ({code})" if code else ""
        # Application errors arrive as HTTP 200 (docs/vendors/monday.md §2); saying "answered 200" would mislead.
        answered = f"answered {status}" if status >= 400 else "refused the request"
        message = f"{self.vendor_label} {answered}{said}{named}."
        if hint:
            message += f" {hint}"
        retry_after = parse_retry_after(retry_after_header)
        if retry_after is None:
            retry_after = retry_in_seconds(first)
        return error_class(message, vendor=self.vendor_label, status=effective_status,
                           vendor_message=vendor_message, retry_after=retry_after, hint=hint)

    # --- boards and columns ---------------------------------------------------------------------
    def boards_with_columns(self, ids: list[str] | None = None, *, limit: int = 25, page: int = 1) -> list[dict]:
        """Boards (page-numbered, docs/vendors/monday.md §3) with their columns and groups."""
        variables: dict[str, Any] = {"limit": limit, "page": page}
        if ids:
            variables["ids"] = [str(board_id) for board_id in ids]
        return self.graphql(documents.BOARDS, variables).get("boards") or []

    def boards_all(self, *, page_size: int = 100) -> list[dict]:
        """Every active board the token's user can see, `{id, name, board_kind, workspace {id, name}}`, page by
        page until a short page (archived and deleted boards are not asked for: `state: active`)."""
        found, page = [], 1
        while True:
            boards = self.graphql(documents.BOARD_CHOICES, {"limit": page_size, "page": page}).get("boards") or []
            found += boards
            if len(boards) < page_size:
                return found
            page += 1

    def board_get(self, board_id: str) -> dict | None:
        found = self.boards_with_columns([board_id], limit=1)
        return found[0] if found else None

    def board_create(self, *, name: str, columns: list[dict] = (), kind: str = "public",
                     description: str | None = None) -> dict:
        """A board with the given columns (`{"id", "title", "type", "defaults"}`), created one after another."""
        board = self.graphql(documents.BOARD_CREATE, {"name": name, "kind": kind, "description": description})[
            "create_board"]
        for column in columns:
            board["columns"].append(self.column_create(board["id"], title=column["title"], column_type=column["type"],
                                                       column_id=column.get("id"), defaults=column.get("defaults")))
        return board

    def column_create(self, board_id: str, *, title: str, column_type: str, column_id: str | None = None,
                      defaults: dict | None = None, description: str | None = None) -> dict:
        variables = {"board": str(board_id), "title": title, "type": column_type, "id": column_id,
                     "description": description, "defaults": encoded(defaults) if defaults else None}
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.COLUMN_CREATE, variables)["create_column"]

    # --- items: reading ----------------------------------------------------------------------------
    def items_pages(self, board_id: str, *, query: dict | None = None, limit: int = PAGE_LIMIT) -> Iterator[list[dict]]:
        """The board's items page by page (`items_page`, then `next_items_page` until the cursor is null, §5)."""
        data = self.graphql(documents.ITEMS_PAGE, {"board": str(board_id), "limit": limit, "query": query})
        boards = data.get("boards") or []
        if not boards:
            # monday answers an unknown board id in `boards(ids:)` with an empty list, not an error.
            raise VendorNotFound(f"monday.com has no board {board_id} that this token's user can see. "
                                 f"{self.hints[404]}", vendor=self.vendor_label, status=404, hint=self.hints[404])
        page = boards[0]["items_page"]
        while True:
            yield page["items"]
            if not page.get("cursor"):
                return
            page = self.graphql(documents.NEXT_ITEMS_PAGE, {"cursor": page["cursor"], "limit": limit})[
                "next_items_page"]

    def items_by_column(self, board_id: str, column_id: str, values: list[str]) -> list[dict]:
        """Items whose `column_id` holds one of `values`: the lookup by a key column (reconciliation)."""
        query = {"rules": [{"column_id": column_id, "compare_value": [str(v) for v in values], "operator": "any_of"}]}
        return [item for page in self.items_pages(board_id, query=query) for item in page]

    def items_get(self, ids: list[str]) -> list[dict]:
        """Items by id (what a webhook names), gone ones left out."""
        found: list[dict] = []
        for start in range(0, len(ids), PAGE_LIMIT):
            chunk = [str(i) for i in ids[start:start + PAGE_LIMIT]]
            found += self.graphql(documents.ITEMS, {"ids": chunk, "limit": len(chunk)}).get("items") or []
        return found

    # --- items: writing (one board at a time) --------------------------------------------------------
    def item_create(self, board_id: str, *, name: str, values: dict, group_id: str | None = None,
                    create_labels: bool = False) -> dict:
        variables = {"board": str(board_id), "name": name, "group": group_id, "values": encoded(values),
                     "createLabels": create_labels}
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_CREATE, variables)["create_item"]

    def item_update(self, board_id: str, item_id: str, values: dict, *, create_labels: bool = False) -> dict:
        variables = {"board": str(board_id), "item": str(item_id), "values": encoded(values),
                     "createLabels": create_labels}
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_UPDATE, variables)["change_multiple_column_values"]

    def items_update(self, board_id: str, changes: list[tuple[str, dict]]) -> list[ItemChange]:
        """Several items' changes in as few requests as possible (aliases, `documents.MAX_BATCH` per request).

        A change monday refuses (a bad value, a gone item) fails alone: its error is in its `ItemChange`.
        """
        outcomes: list[ItemChange] = []
        for start in range(0, len(changes), documents.MAX_BATCH):
            chunk = changes[start:start + documents.MAX_BATCH]
            variables: dict[str, Any] = {"board": str(board_id)}
            for n, (item_id, values) in enumerate(chunk):
                variables[f"item{n}"], variables[f"values{n}"] = str(item_id), encoded(values)
            with board_serialised(self.cache_key, board_id):
                data = self.graphql(documents.items_update_batch(len(chunk)), variables, partial=True)
            outcomes += [ItemChange(str(item_id), data["_errors"].get(f"u{n}")) for n, (item_id, _) in enumerate(chunk)]
        return outcomes

    def item_archive(self, board_id: str, item_id: str) -> dict:
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_ARCHIVE, {"item": str(item_id)})["archive_item"]

    def item_delete(self, board_id: str, item_id: str) -> dict:
        with board_serialised(self.cache_key, board_id):
            return self.graphql(documents.ITEM_DELETE, {"item": str(item_id)})["delete_item"]

    # --- webhooks (docs/vendors/monday.md §7) ---------------------------------------------------------
    def webhook_create(self, board_id: str, *, url: str, event: str, config: dict | None = None) -> dict:
        """monday verifies the URL with a challenge before it answers: the intake must be reachable."""
        variables = {"board": str(board_id), "url": url, "event": event,
                     "config": encoded(config) if config else None}
        return self.graphql(documents.WEBHOOK_CREATE, variables)["create_webhook"]

    def webhook_delete(self, webhook_id: str) -> dict:
        return self.graphql(documents.WEBHOOK_DELETE, {"id": str(webhook_id)})["delete_webhook"]

    def webhooks(self, board_id: str) -> list[dict]:
        return self.graphql(documents.WEBHOOKS, {"board": str(board_id)}).get("webhooks") or []

    # --- the token's own user (docs/flows/visma-monday.md "Own-user guard") ---------------------------------
    def token_digest(self) -> str:
        return token_digest(self.credentials.get("api_token"))

    def me_id(self) -> str:
        """The id of the monday user the token acts as (`me { id }`); remembered for this client's config."""
        me = self.graphql(documents.CHECK).get("me") or {}
        self.config.update(user_id=str(me.get("id") or ""), user_token=self.token_digest())
        return self.config["user_id"]

    @property
    def discovered_config(self) -> dict:
        # Kept on the connection, so the webhook intake knows which deliveries our own writes caused.
        if not self.config.get("user_id") or self.config.get("user_token") != self.token_digest():
            return {}
        return {"user_id": self.config["user_id"], "user_token": self.config["user_token"]}

    # --- the connection check --------------------------------------------------------------------------
    def check_connection(self) -> str:
        try:
            me = self.graphql(documents.CHECK).get("me")
        except VendorPermissionError as error:
            raise VendorPermissionError(
                "monday.com accepts the API token but says its user is not authorized to use the API "
                f"({error.vendor_message or 'UserUnauthorizedException'}). Use the personal API token of an account "
                "member or admin who may use the API; the account admin can check this user's role (guests are "
                "limited) and API permissions.",
                vendor=self.vendor_label, status=error.status, vendor_message=error.vendor_message) from None
        if not me:
            raise VendorUnavailable("monday.com answered the connection check without the token's user.",
                                    vendor=self.vendor_label)
        self.config.update(user_id=str(me.get("id") or ""), user_token=self.token_digest())
        account = me.get("account") or {}
        return (f"Connected to monday.com account {account.get('name')} (id {account.get('id')}) "
                f"as {me.get('name')} (user {me.get('id')}).")
