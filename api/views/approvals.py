"""Journal approvals over the API: the same gate as Syncs > Journal approvals in the admin (syncs/approvals.py).

Members read; owners and admins decide, and not the person who configured the integration last (the
second-person rule, 403). A decided approval cannot be decided again (409). Every decision is in the
audit trail, written by the same services the admin calls."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response

from api.serializers.approvals import ApproveInput, JournalApprovalFilter, JournalApprovalOutput, RejectInput
from api.views.base import TenantAPIView
from syncs.approvals import (
    ApprovalRefused,
    SecondPersonRequired,
    journal_approval_get,
    journal_approval_list,
    journal_approve,
    journal_reject,
    previous_journals,
)

TAGS = ["journal approvals"]


class AlreadyDecided(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "already_decided"


class JournalApprovalListView(TenantAPIView):
    @extend_schema(operation_id="journal_approvals_list", tags=TAGS, parameters=[JournalApprovalFilter],
                   responses=JournalApprovalOutput(many=True),
                   description="Journals waiting for a second person (or, with `status`, decided ones), each with "
                               "its net debit per cost centre, the previous period's and the difference.")
    def get(self, request, tenant_slug):
        criteria = self.query(JournalApprovalFilter)
        return self.paginated(journal_approval_list(tenant=self.tenant, **criteria), JournalApprovalOutput,
                              page_context=lambda page: {"previous_journals": previous_journals(page)})


class JournalApprovalItemView(TenantAPIView):
    @extend_schema(operation_id="journal_approvals_read", tags=TAGS, responses=JournalApprovalOutput,
                   description="One journal approval with its net debit per cost centre against the previous period.")
    def get(self, request, tenant_slug, pk):
        approval = self.found(journal_approval_get(tenant=self.tenant, pk=pk), "journal approval")
        return Response(JournalApprovalOutput(approval).data)


class JournalDecisionView(TenantAPIView):
    """Approve or reject: the subclass names the service that decides (its schema is set on the subclass)."""

    input_class = ApproveInput
    decide: staticmethod  # the service (journal_approve / journal_reject), keyword arguments approval, user, note

    def post(self, request, tenant_slug, pk):
        approval = self.found(journal_approval_get(tenant=self.tenant, pk=pk), "journal approval")
        note = self.validated(self.input_class, request.data)["note"]
        try:
            decided = self.decide(approval=approval, user=request.user, note=note)
        except SecondPersonRequired as refused:
            raise PermissionDenied(str(refused)) from None
        except ApprovalRefused as refused:
            raise AlreadyDecided(str(refused)) from None
        return Response(JournalApprovalOutput(decided).data)


@extend_schema_view(post=extend_schema(
    operation_id="journal_approvals_approve", tags=TAGS, request=ApproveInput, responses=JournalApprovalOutput,
    description="Approves the journal and queues a run, which posts it. 403 for the person who configured the "
                "integration last; 409 when it is decided already."))
class JournalApproveView(JournalDecisionView):
    decide = staticmethod(journal_approve)


@extend_schema_view(post=extend_schema(
    operation_id="journal_approvals_reject", tags=TAGS, request=RejectInput, responses=JournalApprovalOutput,
    description="Rejects the journal: the pay run is held with the note until Dayforce corrects it. 403 for the "
                "person who configured the integration last; 409 when it is decided already."))
class JournalRejectView(JournalDecisionView):
    input_class = RejectInput
    decide = staticmethod(journal_reject)
