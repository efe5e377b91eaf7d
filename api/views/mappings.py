"""Value mappings and field-mapping overrides of one integration."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.serializers.mappings import (
    FieldMappingFilter,
    FieldMappingOutput,
    FieldMappingSetInput,
    ValueMappingFilter,
    ValueMappingOutput,
    ValueMappingSetInput,
)
from api.views.base import TenantAPIView
from syncs.mapping_services import MappingError, field_mapping_delete, field_mapping_set, value_mapping_delete
from syncs.selectors import (
    field_mapping_get,
    field_mapping_list,
    integration_get,
    value_mapping_get,
    value_mapping_list,
)
from syncs.services import value_mapping_set
from syncs.value_choices import map_name_refusal, target_refusal, value_map_choices

TAGS = ["mappings"]


class IntegrationChildView(TenantAPIView):
    def integration(self, integration_id: int):
        return self.found(integration_get(tenant=self.tenant, pk=integration_id), "integration")


class ValueMappingCollectionView(IntegrationChildView):
    @extend_schema(operation_id="value_mappings_list", tags=TAGS, parameters=[ValueMappingFilter],
                   responses=ValueMappingOutput(many=True))
    def get(self, request, tenant_slug, integration_id):
        integration = self.integration(integration_id)
        criteria = self.query(ValueMappingFilter)
        return self.paginated(value_mapping_list(integration=integration, **criteria),
                              ValueMappingOutput)

    @extend_schema(operation_id="value_mappings_set", tags=TAGS, request=ValueMappingSetInput,
                   responses=ValueMappingOutput,
                   description="Creates or changes one translation; records held for it are released on the workers. "
                               "A map_name the integration's flow does not translate through is refused with 400 "
                               "(the message lists the ones it does). "
                               "Where the flow can read the destination's values (Visma departments, locations, "
                               "dimension values), a target it does not have is refused with 400.")
    def post(self, request, tenant_slug, integration_id):
        integration = self.integration(integration_id)
        data = self.validated(ValueMappingSetInput, request.data)
        unknown = map_name_refusal(integration=integration, map_name=data["map_name"])
        if unknown:
            raise ValidationError({"map_name": [unknown]})
        choices, _ = value_map_choices(integration=integration, map_name=data["map_name"])
        refusal = target_refusal(choices, data["target_value"]) if choices is not None else ""
        if refusal:
            raise ValidationError({"target_value": [refusal]})
        return Response(ValueMappingOutput(value_mapping_set(integration=integration, actor=request.user, **data)).data)


class ValueMappingItemView(IntegrationChildView):
    @extend_schema(operation_id="value_mappings_read", tags=TAGS, responses=ValueMappingOutput)
    def get(self, request, tenant_slug, integration_id, pk):
        integration = self.integration(integration_id)
        mapping = self.found(value_mapping_get(integration=integration, pk=pk), "value mapping")
        return Response(ValueMappingOutput(mapping).data)

    @extend_schema(operation_id="value_mappings_destroy", tags=TAGS, responses={204: None})
    def delete(self, request, tenant_slug, integration_id, pk):
        integration = self.integration(integration_id)
        value_mapping_delete(mapping=self.found(value_mapping_get(integration=integration, pk=pk), "value mapping"),
                             actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FieldMappingCollectionView(IntegrationChildView):
    @extend_schema(operation_id="field_mappings_list", tags=TAGS, parameters=[FieldMappingFilter],
                   responses=FieldMappingOutput(many=True))
    def get(self, request, tenant_slug, integration_id):
        integration = self.integration(integration_id)
        criteria = self.query(FieldMappingFilter)
        return self.paginated(field_mapping_list(integration=integration, **criteria),
                              FieldMappingOutput)

    @extend_schema(operation_id="field_mappings_set", tags=TAGS, request=FieldMappingSetInput,
                   responses={200: FieldMappingOutput, 201: FieldMappingOutput},
                   description="Creates (201) or replaces (200) the override of one target field of a stream. A "
                               "value_map that is not one of the translations the integration's flow declares is "
                               "refused with 400 on `value_map` (the message lists the ones it does).")
    def post(self, request, tenant_slug, integration_id):
        integration = self.integration(integration_id)
        data = self.validated(FieldMappingSetInput, request.data)
        try:
            mapping, created = field_mapping_set(integration=integration, actor=request.user, **data)
        except MappingError as error:
            raise ValidationError({error.field or "non_field_errors": [str(error)]}) from None
        return Response(FieldMappingOutput(mapping).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FieldMappingItemView(IntegrationChildView):
    @extend_schema(operation_id="field_mappings_read", tags=TAGS, responses=FieldMappingOutput)
    def get(self, request, tenant_slug, integration_id, pk):
        integration = self.integration(integration_id)
        mapping = self.found(field_mapping_get(integration=integration, pk=pk), "field mapping")
        return Response(FieldMappingOutput(mapping).data)

    @extend_schema(operation_id="field_mappings_destroy", tags=TAGS, responses={204: None})
    def delete(self, request, tenant_slug, integration_id, pk):
        integration = self.integration(integration_id)
        field_mapping_delete(mapping=self.found(field_mapping_get(integration=integration, pk=pk), "field mapping"),
                             actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
