"""Integrations of a tenant, running one now, and replaying the records a run could not write."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from api.serializers.integrations import (
    IntegrationCreateInput,
    IntegrationOutput,
    IntegrationUpdateInput,
    RunNowInput,
)
from api.serializers.pending import ReplayInput
from api.serializers.runs import RunOutput
from api.views.base import TenantAPIView
from audit.redaction import redact_text
from connections.vendors.errors import VendorError
from syncs.selectors import integration_get, integration_list, pending_ids_unknown, run_get
from syncs.services import (
    IntegrationError,
    integration_create,
    integration_delete,
    integration_run_now,
    integration_update,
    records_replay,
)

TAGS = ["integrations"]


class VendorUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "vendor_unavailable"


class IntegrationCollectionView(TenantAPIView):
    @extend_schema(operation_id="integrations_list", tags=TAGS, responses=IntegrationOutput(many=True))
    def get(self, request, tenant_slug):
        return self.paginated(integration_list(tenant=self.tenant), IntegrationOutput)

    @extend_schema(operation_id="integrations_create", tags=TAGS, request=IntegrationCreateInput,
                   responses={201: IntegrationOutput})
    def post(self, request, tenant_slug):
        data = self.validated(IntegrationCreateInput, request.data)
        try:
            integration = integration_create(tenant=self.tenant, actor=request.user, **data)
        except IntegrationError as error:
            raise ValidationError({"non_field_errors": [str(error)]}) from None
        return Response(IntegrationOutput(integration_get(tenant=self.tenant, pk=integration.pk)).data,
                        status=status.HTTP_201_CREATED)


class IntegrationItemView(TenantAPIView):
    def integration(self, pk: int):
        return self.found(integration_get(tenant=self.tenant, pk=pk), "integration")

    @extend_schema(operation_id="integrations_retrieve", tags=TAGS, responses=IntegrationOutput)
    def get(self, request, tenant_slug, pk):
        return Response(IntegrationOutput(self.integration(pk)).data)

    @extend_schema(operation_id="integrations_update", tags=TAGS, request=IntegrationUpdateInput,
                   responses=IntegrationOutput, description="Partial update; the schedule follows at once.")
    def patch(self, request, tenant_slug, pk):
        integration = self.integration(pk)
        data = self.validated(IntegrationUpdateInput, request.data, integration=integration)
        try:
            integration_update(integration=integration, actor=request.user, **data)
        except IntegrationError as error:
            raise ValidationError({"non_field_errors": [str(error)]}) from None
        return Response(IntegrationOutput(self.integration(pk)).data)

    @extend_schema(operation_id="integrations_destroy", tags=TAGS, responses={204: None},
                   description="Deletes the integration, its schedule, runs and pending records; "
                               "the audit trail stays.")
    def delete(self, request, tenant_slug, pk):
        integration_delete(integration=self.integration(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IntegrationRunView(TenantAPIView):
    @extend_schema(operation_id="integrations_run", tags=TAGS, request=None, responses={202: RunOutput},
                   parameters=[OpenApiParameter("dry_run", bool, description="Map and audit, write nothing.")],
                   description="Queues a run on the workers and answers at once with the queued run.")
    def post(self, request, tenant_slug, pk):
        integration = self.found(integration_get(tenant=self.tenant, pk=pk), "integration")
        options = RunNowInput(data=request.query_params)
        options.is_valid(raise_exception=True)
        run = integration_run_now(integration=integration, dry_run=options.validated_data["dry_run"])
        return Response(RunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class IntegrationReplayView(TenantAPIView):
    @extend_schema(operation_id="integrations_replay", tags=TAGS, request=ReplayInput, responses=RunOutput,
                   description="Replays held, failed or quarantined records now, through the normal write path "
                               "(the id map makes it an upsert), and answers with the finished replay run. "
                               "503 if the vendor is unreachable; replay again later.")
    def post(self, request, tenant_slug, pk):
        integration = self.found(integration_get(tenant=self.tenant, pk=pk), "integration")
        data = self.validated(ReplayInput, request.data)
        selection = {}
        if "pending_ids" in data:
            unknown = pending_ids_unknown(integration=integration, pending_ids=data["pending_ids"])
            if unknown:
                raise ValidationError({"pending_ids": [
                    f"Not unresolved records of this integration: {', '.join(map(str, unknown))}."]})
            selection["pending_ids"] = data["pending_ids"]
        else:
            run = run_get(tenant=self.tenant, pk=data["run_id"], integration=integration)
            selection["from_run"] = self.found_in_input(run, "run_id", "No run of this integration with this id.")
        try:
            run = records_replay(integration=integration, **selection)
        except VendorError as error:
            # Only transient failures get here (the engine ends the run on permanent ones).
            unavailable = VendorUnavailable(f"The replay stopped: {redact_text(str(error))}")
            unavailable.wait = error.retry_after  # sent as Retry-After
            raise unavailable from None
        return Response(RunOutput(run).data)

    @staticmethod
    def found_in_input(obj, field: str, message: str):
        if obj is None:
            raise ValidationError({field: [message]})
        return obj
