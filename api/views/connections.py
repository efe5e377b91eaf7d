"""Connections of a tenant: credentials are write-only, and testing one talks to the vendor."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.response import Response

from api.serializers.connections import (
    ConnectionCreateInput,
    ConnectionOutput,
    ConnectionTestOutput,
    ConnectionUpdateInput,
)
from api.views.base import TenantAPIView
from connections.deletion import ConnectionInUse, connection_delete
from connections.selectors import connection_get, connection_list
from connections.services import ConnectionTestThrottled, connection_create, connection_test, connection_update

TAGS = ["connections"]


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ConnectionCollectionView(TenantAPIView):
    @extend_schema(operation_id="connections_list", tags=TAGS, responses=ConnectionOutput(many=True))
    def get(self, request, tenant_slug):
        return self.paginated(connection_list(tenant=self.tenant), ConnectionOutput)

    @extend_schema(operation_id="connections_create", tags=TAGS, request=ConnectionCreateInput,
                   responses={201: ConnectionOutput})
    def post(self, request, tenant_slug):
        data = self.validated(ConnectionCreateInput, request.data)
        connection = connection_create(tenant=self.tenant, actor=request.user, **data)
        return Response(ConnectionOutput(connection).data, status=status.HTTP_201_CREATED)


class ConnectionItemView(TenantAPIView):
    def connection(self, pk: int):
        return self.found(connection_get(tenant=self.tenant, pk=pk), "connection")

    @extend_schema(operation_id="connections_retrieve", tags=TAGS, responses=ConnectionOutput)
    def get(self, request, tenant_slug, pk):
        return Response(ConnectionOutput(self.connection(pk)).data)

    @extend_schema(operation_id="connections_update", tags=TAGS, request=ConnectionUpdateInput,
                   responses=ConnectionOutput,
                   description="Partial update. Blank or left-out credentials keep the stored values; "
                               "`config`, when given, replaces the settings. The connection is untested again.")
    def patch(self, request, tenant_slug, pk):
        connection = self.connection(pk)
        data = self.validated(ConnectionUpdateInput, request.data, connection=connection)
        return Response(ConnectionOutput(connection_update(connection=connection, actor=request.user, **data)).data)

    @extend_schema(operation_id="connections_destroy", tags=TAGS, responses={204: None},
                   description="Refused with 409 while an integration uses the connection.")
    def delete(self, request, tenant_slug, pk):
        try:
            connection_delete(connection=self.connection(pk), actor=request.user)
        except ConnectionInUse as error:
            raise Conflict(str(error)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionTestView(TenantAPIView):
    @extend_schema(operation_id="connections_test", tags=TAGS, request=None, responses=ConnectionTestOutput,
                   description="Authenticates at the vendor and makes one cheap read, now (synchronously), with "
                               "a short timeout. At most CONNECTION_TEST_RATE_PER_MINUTE tests per tenant a "
                               "minute (429 with Retry-After beyond that).")
    def post(self, request, tenant_slug, pk):
        connection = self.found(connection_get(tenant=self.tenant, pk=pk), "connection")
        try:
            result = connection_test(connection=connection)
        except ConnectionTestThrottled as throttled:
            raise Throttled(wait=throttled.retry_after, detail=str(throttled)) from None
        return Response(ConnectionTestOutput({
            "ok": result.ok, "message": result.message, "status": connection.status,
            "last_tested_at": connection.last_tested_at,
        }).data)
