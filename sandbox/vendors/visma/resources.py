"""The Visma sandbox's record resources: list, get, create and update of every entry in `store.RESOURCES`,
plus the department list (docs/vendors/visma.md §4, §5, §7).

A mixin of `VismaSandbox` (api.py), which routes to these handlers and provides `authorize`, `record`,
`modify`, `publish` and the page sizes. Lists are selected and paged by query.py; write bodies are
unwrapped here and validated by the per-entity rules of writes.py.
"""
from __future__ import annotations

import copy
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.visma.contract import etag_of, if_match_ok, ipp_error
from sandbox.vendors.visma.query import page_of, select
from sandbox.vendors.visma.store import RESOURCES, Invalid, unwrap
from sandbox.vendors.visma.writes import CREATORS, UPDATERS

# Keys sent bare inside write bodies: line `operation`, SegmentUpdateDto's segmentId/segmentValue (§4 Writes).
PLAIN_WRITE_KEYS = frozenset({"operation", "segmentId", "segmentValue"})


class ResourcesMixin:
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
