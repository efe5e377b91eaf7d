"""Sync runs of a tenant, read-only."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.serializers.runs import RunDetailOutput, RunFilter, RunOutput
from api.views.base import TenantAPIView
from syncs.selectors import run_get, run_list, run_outcome_counts

TAGS = ["runs"]


class RunListView(TenantAPIView):
    @extend_schema(operation_id="runs_list", tags=TAGS, parameters=[RunFilter], responses=RunOutput(many=True))
    def get(self, request, tenant_slug):
        criteria = self.query(RunFilter)
        return self.paginated(run_list(tenant=self.tenant, **criteria), RunOutput)


class RunDetailView(TenantAPIView):
    @extend_schema(operation_id="runs_retrieve", tags=TAGS, responses=RunDetailOutput)
    def get(self, request, tenant_slug, pk):
        run = self.found(run_get(tenant=self.tenant, pk=pk), "run")
        return Response(RunDetailOutput(run, context={"outcomes": run_outcome_counts(run=run)}).data)
