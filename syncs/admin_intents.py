"""Write intents in the customer admin: every destination write with its state, read-only, and "Reconcile now".

An intent is the truth about one write (docs/engine.md); the page shows it as it is and never edits it. A
manager can ask for `sent` ones (outcome unknown) to be looked up at the destination by their key now rather
than at the sweeper's next pass (syncs/sweeper.py); the payload is never shown (HR and finance data).
"""
from __future__ import annotations

from django.contrib import admin, messages

from connections.admin_mixins import ReadOnlyTenantScopedAdmin, TenantScopedAdmin
from mlconnector.sites import customer_site, ops_site
from syncs.admin_filters import IntegrationFilter
from syncs.admin_operations import may_operate
from syncs.models import WriteIntent
from syncs.sweeper import write_intents_reconcile


class WriteIntentAdmin(ReadOnlyTenantScopedAdmin):
    list_display = ("created_at", "integration", "stream", "source_id", "state", "target_id", "attempts",
                    "error_class", "error_status", "error_message")
    list_filter = ("state", IntegrationFilter, "stream")
    list_select_related = ("integration",)
    search_fields = ("source_id", "target_id", "key")
    fields = ("integration", "stream", "source_id", "key", "state", "target_id", "batch", "attempts", "last_run",
              "error_class", "error_status", "error_message", "created_at", "sent_at", "settled_at")
    readonly_fields = fields
    actions = ["reconcile_now"]

    def has_change_permission(self, request, obj=None):
        # The changelist's action needs it; an intent's own page stays view-only (no Save button).
        return obj is None and TenantScopedAdmin.has_change_permission(self, request)

    @admin.action(description="Reconcile now (look the write up at the destination)", permissions=["change"])
    def reconcile_now(self, request, queryset):
        by_tenant: dict = {}
        skipped = 0
        for intent in queryset.select_related("tenant"):
            if intent.state != WriteIntent.State.SENT:
                skipped += 1
            elif may_operate(self, request, intent):
                by_tenant.setdefault(intent.tenant, []).append(intent.pk)
        runs = [run for tenant, ids in by_tenant.items() for run in write_intents_reconcile(tenant=tenant,
                                                                                          intent_ids=ids)]
        count = sum(len(ids) for ids in by_tenant.values())
        note = f" {skipped} already settled, left as they are." if skipped else ""
        self.message_user(request, f"{count} write(s) of unknown outcome queued for reconciliation in "
                          f"{len(runs)} run(s).{note}", messages.SUCCESS if count else messages.INFO)


for site in (customer_site, ops_site):
    site.register(WriteIntent, WriteIntentAdmin)
