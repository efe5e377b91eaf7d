from audit.models import AuditRecord
from connections.admin_mixins import ReadOnlyTenantScopedAdmin
from mlconnector.sites import customer_site, ops_site


class AuditRecordAdmin(ReadOnlyTenantScopedAdmin):
    """Read-only everywhere: audit rows are append-only."""

    list_display = ("created_at", "integration_id", "run_id", "stream", "source_ref", "target_ref", "action",
                    "outcome", "reason")
    list_filter = ("outcome", "action", "stream")
    search_fields = ("source_ref", "target_ref", "reason")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


for site in (customer_site, ops_site):
    site.register(AuditRecord, AuditRecordAdmin)
