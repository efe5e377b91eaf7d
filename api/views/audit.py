"""The audit trail of a tenant, read-only."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.serializers.audit import AuditRecordFilter, AuditRecordOutput
from api.views.base import TenantAPIView
from audit.selectors import audit_record_get, audit_record_list

TAGS = ["audit"]


class AuditRecordListView(TenantAPIView):
    @extend_schema(operation_id="audit_records_list", tags=TAGS, parameters=[AuditRecordFilter],
                   responses=AuditRecordOutput(many=True))
    def get(self, request, tenant_slug):
        criteria = self.query(AuditRecordFilter)
        return self.paginated(audit_record_list(tenant=self.tenant, **criteria), AuditRecordOutput)


class AuditRecordDetailView(TenantAPIView):
    @extend_schema(operation_id="audit_records_retrieve", tags=TAGS, responses=AuditRecordOutput)
    def get(self, request, tenant_slug, pk):
        return Response(AuditRecordOutput(self.found(audit_record_get(tenant=self.tenant, pk=pk), "audit record")).data)
