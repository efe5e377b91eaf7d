"""The vendor and flow registries: what a tenant can connect and sync, with the fields each vendor needs."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.catalog import FlowOutput, VendorOutput
from connections.vendors import all_vendors
from syncs.flows import FLOWS

TAGS = ["catalog"]


class VendorListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="vendors_list", tags=TAGS, responses=VendorOutput(many=True),
                   summary="Vendors, with the credential and config fields a connection of each needs")
    def get(self, request):
        return Response(VendorOutput(all_vendors(), many=True).data)


class FlowListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="flows_list", tags=TAGS, responses=FlowOutput(many=True),
                   summary="Flow kinds an integration can run, with their streams")
    def get(self, request):
        return Response(FlowOutput(sorted(FLOWS.values(), key=lambda f: f.kind), many=True).data)
