"""Records a tenant's runs could not write (held, failed, quarantined), read-only; replay is on the integration."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema

from api.serializers.pending import PendingRecordFilter, PendingRecordOutput
from api.views.base import TenantAPIView
from syncs.selectors import pending_record_list

TAGS = ["pending records"]


class PendingRecordListView(TenantAPIView):
    @extend_schema(operation_id="pending_records_list", tags=TAGS, parameters=[PendingRecordFilter],
                   responses=PendingRecordOutput(many=True))
    def get(self, request, tenant_slug):
        criteria = self.query(PendingRecordFilter)
        return self.paginated(pending_record_list(tenant=self.tenant, **criteria), PendingRecordOutput)
