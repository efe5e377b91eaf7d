"""The base class of every view under /api/v1/tenants/<tenant_slug>/."""
from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.permissions import IsTenantManager, IsTenantMember, tenant_membership
from connections.models import Tenant

class TenantAPIView(APIView):
    # Members of the tenant may read; its owners and admins may also write (403 for viewers); for anyone else
    # the tenant does not exist (404). A comment, not a docstring: drf-spectacular would make it every
    # endpoint's description (api/schema.py says it once).

    pagination_class = Pagination

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [IsAuthenticated(), IsTenantMember()]
        return [IsAuthenticated(), IsTenantMember(), IsTenantManager()]

    @property
    def tenant(self) -> Tenant:
        return tenant_membership(self.request, self).tenant

    def paginated(self, queryset, serializer_class, page_context=None, **context) -> Response:
        """One page of `queryset`; `page_context(page)` adds what the page's rows are looked up with together
        (one query for the page, not one per row)."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        if page_context is not None:
            context.update(page_context(page))
        return paginator.get_paginated_response(
            serializer_class(page, many=True, context={"request": self.request, **context}).data)

    @staticmethod
    def found(obj, what: str):
        """`obj`, or 404 naming what was not found (in this tenant: other tenants' rows do not exist here)."""
        if obj is None:
            raise NotFound(f"No such {what}.")
        return obj

    def query(self, serializer_class) -> dict:
        """The request's query parameters, validated by a filter serializer."""
        filters = serializer_class(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.validated_data

    def validated(self, serializer_class, data, **context) -> dict:
        serializer = serializer_class(data=data, context={"request": self.request, "tenant": self.tenant, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
