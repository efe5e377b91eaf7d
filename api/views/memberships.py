"""The tenant's members: listed for every member; roles changed and members removed by owners and admins,
with the owner's membership protected (connections/memberships.py)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.serializers.memberships import MembershipOutput, MembershipRoleInput
from api.views.base import TenantAPIView
from connections.memberships import MembershipRefused, membership_remove, membership_role_set
from connections.models import Membership
from connections.selectors import membership_get, membership_list

TAGS = ["accounts"]


class MembershipCollectionView(TenantAPIView):
    @extend_schema(operation_id="memberships_list", tags=TAGS, responses=MembershipOutput(many=True))
    def get(self, request, tenant_slug):
        return self.paginated(membership_list(tenant=self.tenant), MembershipOutput)


class MembershipItemView(TenantAPIView):
    def membership(self, pk: int) -> Membership:
        return self.found(membership_get(tenant=self.tenant, pk=pk), "membership")

    @extend_schema(operation_id="memberships_update", tags=TAGS, request=MembershipRoleInput,
                   responses=MembershipOutput)
    def patch(self, request, tenant_slug, pk):
        membership = self.membership(pk)
        data = self.validated(MembershipRoleInput, request.data)
        try:
            membership_role_set(membership=membership, role=data["role"], by=request.user)
        except MembershipRefused as refused:
            raise PermissionDenied(str(refused)) from None
        return Response(MembershipOutput(membership).data)

    @extend_schema(operation_id="memberships_destroy", tags=TAGS, responses={204: None})
    def delete(self, request, tenant_slug, pk):
        try:
            membership_remove(membership=self.membership(pk), by=request.user)
        except MembershipRefused as refused:
            raise PermissionDenied(str(refused)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
