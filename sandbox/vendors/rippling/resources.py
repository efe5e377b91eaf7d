"""The Rippling REST resources: what each declares in rest_openapi.json, and how they are served
(docs/vendors/rippling.md §2–§6).

Each `Resource` names its collection, the scope that reads it, its filterable fields and its expandable
relations, from the operation descriptions in the spec. `ResourcesMixin` serves them: the list and single
GET endpoints, the REST list conventions (`{__meta, results, next_link}`, keyset cursors carrying the whole
query, `filter`, `order_by`, `expand`) and the redaction of fields a key may not read. It is mixed into
`RipplingSandbox` (app.py), which provides `authorize`, `data` and `relative_next_links`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.rippling.contract import UNCONFIRMED, rippling_error
from sandbox.vendors.rippling.query import (
    TIMESTAMP_FIELDS,
    CursorState,
    QueryError,
    decode_cursor,
    encode_cursor,
    parse_filter,
    sort_key,
)

SORTABLE = ("id", "created_at", "updated_at")
SENSITIVE_SCOPE = "workers.sensitive.personal.read"


@dataclass(frozen=True)
class Relation:
    """An expandable field: where its record lives, which field holds the id(s), the scope to read it."""

    collection: str | None
    id_field: str | None
    scope: str


@dataclass(frozen=True)
class Resource:
    collection: str
    scope: str
    # Field -> "string" | "datetime"; None where the spec declares no `filter` parameter.
    filterable: dict | None = None
    expandable: dict = field(default_factory=dict)


# From each operation's description in rest_openapi.json ("Filterable fields", "Expandable fields").
WORKERS = Resource("workers", "workers.read", filterable={
    "status": "string", "work_email": "string", "user_id": "string", "created_at": "datetime", "updated_at": "datetime",
}, expandable={
    "user": Relation("users", "user_id", "users.read"),
    "manager": Relation("workers", "manager_id", "workers.read"),
    "legal_entity": Relation("legal_entities", "legal_entity_id", "legal-entities.read"),
    "employment_type": Relation("employment_types", "employment_type_id", "employment-types.read"),
    "compensation": Relation("compensations", "compensation_id", "compensations.read"),
    "department": Relation("departments", "department_id", "departments.read"),
    "teams": Relation("teams", "teams_id", "teams.read"),
    "level": Relation("levels", "level_id", "levels.read"),
    "custom_fields": Relation(None, None, "workers.custom-fields.read"),
    "business_partners": Relation("business_partners", "business_partners_id", "workers.read"),
})
USERS = Resource("users", "users.read")
DEPARTMENTS_RESOURCE = Resource("departments", "departments.read", expandable={
    "parent": Relation("departments", "parent_id", "departments.read"),
    "department_hierarchy": Relation("departments", "department_hierarchy_id", "departments.read"),
})
WORK_LOCATIONS = Resource("work_locations", "work-locations.read")
EMPLOYMENT_TYPES = Resource("employment_types", "employment-types.read")
TEAMS_RESOURCE = Resource("teams", "teams.read", expandable={"parent": Relation("teams", "parent_id", "teams.read")})
LEVELS_RESOURCE = Resource("levels", "levels.read", expandable={"parent": Relation("levels", "parent_id", "levels.read")})
COMPANIES = Resource("companies", "companies.read", expandable={
    "parent_legal_entity": Relation("legal_entities", "parent_legal_entity_id", "legal-entities.read"),
    "legal_entities": Relation("legal_entities", "legal_entities_id", "legal-entities.read"),
})
RESOURCES = {"workers": WORKERS, "users": USERS, "departments": DEPARTMENTS_RESOURCE,
             "work-locations": WORK_LOCATIONS, "employment-types": EMPLOYMENT_TYPES, "companies": COMPANIES,
             "teams": TEAMS_RESOURCE, "levels": LEVELS_RESOURCE}
# The spec has `GET /{resource}/{id}/` for these, not for /companies/.
SINGLE_GET = ("workers", "users", "departments", "work-locations", "employment-types", "teams", "levels")


class ResourcesMixin:
    def list_resource(self, request: Request) -> Response:
        resource = RESOURCES[request.path.rstrip("/").rsplit("/", 1)[-1]]
        key, denied = self.authorize(request, resource.scope)
        if denied is not None:
            return denied
        try:
            return self.list_page(request, resource, key.subject["scopes"])
        except QueryError as error:
            return rippling_error(400, str(error))

    def get_resource(self, request: Request, row_id: str) -> Response:
        resource = RESOURCES[request.path.rstrip("/").rsplit("/", 2)[-2]]
        key, denied = self.authorize(request, resource.scope)
        if denied is not None:
            return denied
        try:
            refused = self.undeclared(request, resource, single=True)
            if refused:
                return refused
            expand = self.expand_names(request.args.get("expand", ""), resource)
        except QueryError as error:
            return rippling_error(400, str(error))
        row = self.data[resource.collection].get(row_id)
        if row is None:
            return rippling_error(404, UNCONFIRMED["not_found_detail"])
        redacted: list[str] = []
        body = self.present(resource, row, expand, key.subject["scopes"], redacted)
        # A single record is the object itself plus `__meta` (allOf MetaResponse + resource).
        return json_response({**body, "__meta": {"redacted_fields": self.redacted_fields(redacted)}})

    # --- the REST list conventions (docs/vendors/rippling.md §3) -------------------------------------------
    def list_page(self, request: Request, resource: Resource, scopes: tuple[str, ...]) -> Response:
        """`{__meta, results, next_link}`, keyset-paged: the cursor carries the whole query."""
        args = request.args
        if args.get("cursor"):
            state = decode_cursor(args["cursor"])
            if state is None:
                return rippling_error(400, UNCONFIRMED["invalid_cursor_detail"])
        else:
            refused = self.undeclared(request, resource, single=False)
            if refused:
                return refused
            try:
                limit = int(args.get("limit", UNCONFIRMED["default_page_size"]))
            except ValueError:
                return rippling_error(400, "limit must be an integer.")
            state = CursorState(order_by=args.get("order_by") or UNCONFIRMED["default_order_by"],
                                limit=max(1, min(limit, UNCONFIRMED["max_page_size"])),
                                filter=args.get("filter", ""), expand=args.get("expand", ""), after=())
        if state.order_by not in SORTABLE:
            return rippling_error(400, f"Cannot order by {state.order_by!r}; sortable fields: {', '.join(SORTABLE)}.")
        if state.after and not isinstance(state.after[0], int if state.order_by in TIMESTAMP_FIELDS else str):
            return rippling_error(400, UNCONFIRMED["invalid_cursor_detail"])
        row_filter = parse_filter(state.filter, resource.filterable or {})
        expand = self.expand_names(state.expand, resource)
        low, high = row_filter.bounds(state.order_by) if state.order_by in TIMESTAMP_FIELDS else (None, None)

        rows, more = [], False
        with self.data.lock:
            collection = self.data[resource.collection]
            for row in collection.scan(state.order_by, after=state.after or None, low=low, high=high):
                if not row_filter.matches(row):
                    continue
                if len(rows) == state.limit:
                    more = True
                    break
                rows.append(row)
        redacted: list[str] = []
        body = {"__meta": {}, "results": [self.present(resource, row, expand, scopes, redacted) for row in rows]}
        body["__meta"]["redacted_fields"] = self.redacted_fields(redacted)
        if more:
            # The spec has no nullable next_link: on the last page it is simply absent.
            last = rows[-1]
            after = (sort_key(state.order_by, last), last["id"])
            body["next_link"] = self.next_link(request, encode_cursor(
                CursorState(state.order_by, state.limit, state.filter, state.expand, after)))
        return json_response(body)

    def undeclared(self, request: Request, resource: Resource, *, single: bool) -> Response | None:
        """A 400 for `filter`/`expand` where the spec does not declare them, instead of ignoring them."""
        declared = {"expand": bool(resource.expandable),
                    "filter": resource.filterable is not None and not single}
        for parameter, allowed in declared.items():
            if request.args.get(parameter) and not allowed:
                return rippling_error(400, UNCONFIRMED["undeclared_parameter_detail"].format(parameter=parameter))
        return None

    @staticmethod
    def expand_names(text: str, resource: Resource) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        for name in names:
            if name not in resource.expandable:
                raise QueryError(UNCONFIRMED["unknown_expand_detail"].format(
                    name=name, allowed=", ".join(resource.expandable) or "none"))
        return list(dict.fromkeys(names))

    def present(self, resource: Resource, row: dict, expand: list[str], scopes: tuple[str, ...],
                redacted: list[str]) -> dict:
        """The record as this key may see it, with the expanded objects embedded."""
        body = self.hide(resource.collection, row, scopes, redacted, prefix="")
        for name in expand:
            relation = resource.expandable[name]
            if relation.scope not in scopes:
                # The key cannot read the related object: it is left out and named (UNCONFIRMED).
                if relation.id_field is None or row.get(relation.id_field):
                    redacted.append(name)
                continue
            if relation.collection is None:
                body[name] = []  # custom fields: none defined in the sandbox company
                continue
            related = self.data.collections.get(relation.collection)
            ids = row.get(relation.id_field)
            if isinstance(ids, list):
                body[name] = [self.hide(relation.collection, other, scopes, redacted, prefix=f"{name}.")
                              for other in (related.get(i) if related else None for i in ids) if other]
            elif isinstance(ids, str) and related is not None and related.get(ids) is not None:
                body[name] = self.hide(relation.collection, related.get(ids), scopes, redacted, prefix=f"{name}.")
        return body

    @staticmethod
    def hide(collection: str, row: dict, scopes: tuple[str, ...], redacted: list[str], *, prefix: str) -> dict:
        if collection != "workers" or SENSITIVE_SCOPE in scopes:
            return dict(row)
        hidden = [name for name in UNCONFIRMED["sensitive_worker_fields"] if name in row]
        redacted.extend(prefix + name for name in hidden)
        return {k: v for k, v in row.items() if k not in hidden}

    @staticmethod
    def redacted_fields(names: list[str]) -> list[dict]:
        return [{"name": name, "reason": UNCONFIRMED["redaction_reason"]} for name in dict.fromkeys(names)]

    def next_link(self, request: Request, cursor: str) -> str:
        path = request.path.rstrip("/") + "/"
        query = urlencode({"cursor": cursor})
        if self.relative_next_links:
            return f"{path}?{query}"
        return f"{request.host_url.rstrip('/')}{path}?{query}"
