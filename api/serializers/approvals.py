"""Journal approvals (integration option `approval_required`): what waits, per cost centre against the
previous period, and the decision. The journal's lines sum pay by account and cost centre; nobody is named."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import IdField
from syncs.approvals import approval_comparison, journal_total
from syncs.models import JournalApproval


class JournalApprovalFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=JournalApproval.Status.choices, required=False,
                                     default=JournalApproval.Status.PENDING,
                                     help_text="Pending unless asked otherwise.")
    integration = IdField(required=False, source="integration_id")


class CostCenterRowOutput(serializers.Serializer):
    cost_center = serializers.CharField(help_text="The subaccount's cost-centre value(s) (nested: one per level, "
                                                  "joined with '-').")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Net debit this period.")
    previous = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True,
                                        help_text="Net debit of the previous period; null when there is none.")
    difference = serializers.DecimalField(max_digits=18, decimal_places=2)


class JournalApprovalOutput(serializers.ModelSerializer):
    integration = serializers.IntegerField(source="integration_id")
    total_debit = serializers.SerializerMethodField()
    cost_centers = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = JournalApproval
        fields = ("id", "integration", "stream", "source_id", "status", "total_debit", "cost_centers",
                  "requested_at", "decided_by", "decided_at", "note")
        read_only_fields = fields

    def get_total_debit(self, approval) -> str:
        return f"{journal_total(approval.journal):.2f}"

    @extend_schema_field(CostCenterRowOutput(many=True))
    def get_cost_centers(self, approval) -> list[dict]:
        # A list hands over its page's previous periods, looked up together (JournalApprovalListView).
        previous = self.context.get("previous_journals")
        return CostCenterRowOutput(approval_comparison(approval, previous), many=True).data

    def get_decided_by(self, approval) -> str | None:
        return approval.decided_by.get_username() if approval.decided_by else None


class ApproveInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="Why: the payroll team reads it on the held pay run.")
