"""The Visma sandbox's dimensions: reads of dimensions, segments and segment values, and the segment update
(docs/vendors/visma.md §4). Cost centres are SUBACCOUNT segment values, so this is how a connector manages them.

A mixin of `VismaSandbox` (api.py), which routes to these handlers and provides `authorize` and `publish`.
The validation of a segment update (DtoSegmentUpdate) is `ledger_writes.segment_update`; what the
dimensions hold when seeded is company.py.
"""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.visma.contract import etag_of, if_match_ok, ipp_error
from sandbox.vendors.visma.ledger_writes import segment_update
from sandbox.vendors.visma.store import Invalid, Missing, unwrap

# DtoSegmentValueUpdate: `value` is the bare value id, description/active are wrapped (§4).
PLAIN_SEGMENT_KEYS = frozenset({"operation", "value"})


class DimensionsMixin:
    def list_dimensions(self, request: Request) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        return json_response([self.data.render_dimension(d) for d in self.data.dimensions.values()])

    def get_dimension(self, request: Request, dimension_id: str) -> Response:
        return self._dimension_read(request, lambda: self.data.render_dimension(self.data.dimension(dimension_id)))

    def get_segment(self, request: Request, dimension_id: str, segment_id: int) -> Response:
        def read():
            segment = self.data.segment(dimension_id, segment_id)
            return self.data.render_segment(dimension_id, segment), {"ETag": etag_of(segment)}
        return self._dimension_read(request, read)

    def get_segment_value(self, request: Request, dimension_id: str, segment_id: int, value_id: str) -> Response:
        def read():
            self.data.segment(dimension_id, segment_id)
            value = self.data.values_of(dimension_id, segment_id).get(value_id)
            if value is None:
                raise Missing(f"Value {value_id} of segment {segment_id} in dimension {dimension_id} not found.")
            return value, {"ETag": etag_of(value)}
        return self._dimension_read(request, read)

    def get_segment_value_by_public_id(self, request: Request, dimension_id: str, segment_id: int,
                                       public_id: str) -> Response:
        def read():
            self.data.segment(dimension_id, segment_id)
            for value in self.data.values_of(dimension_id, segment_id).values():
                if value["publicId"] and value["publicId"].lower() == public_id.lower():
                    return value, {"ETag": etag_of(value)}
            raise Missing(f"No value with publicId {public_id} in segment {segment_id} of dimension {dimension_id}.")
        return self._dimension_read(request, read)

    def _dimension_read(self, request: Request, read) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        try:
            result = read()
        except Missing as error:
            return ipp_error(404, str(error))
        body, headers = result if isinstance(result, tuple) else (result, {})
        return json_response(body, headers=headers)

    def update_segment(self, request: Request, dimension_id: str, segment_id: int) -> Response:
        if (denied := self.authorize(request)) is not None:
            return denied
        with self.data.lock:
            try:
                dimension = self.data.dimension(dimension_id)
                current = self.data.segment(dimension_id, segment_id)
            except Missing as error:
                return ipp_error(404, str(error))
            if not if_match_ok(request.headers.get("If-Match"), current["timeStamp"]):
                return Response(b"", status=412)
            try:
                fields = unwrap(self.body_json(request), PLAIN_SEGMENT_KEYS)
                segment, values = segment_update(self.data, dimension["id"], current, fields, self.now())
            except Invalid as error:
                return ipp_error(400, str(error))
            dimension["segments"][segment_id] = segment
            self.data.segment_values[(dimension["id"], segment_id)] = values
        self.publish("dimension", "changed", f"{dimension['id']}/{segment_id}", self.tenant_of(request))
        return Response(b"", status=204, headers={"ETag": etag_of(segment)})
