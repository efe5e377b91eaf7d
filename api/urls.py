"""/api/v1/…: versioned in the path; everything a tenant owns lives under tenants/<tenant_slug>/."""
from django.urls import include, path

from api.views import accounts, approvals, audit, catalog, connections, integrations, mappings, memberships, pending, runs

app_name = "api"

tenant_urls = [
    path("connections", connections.ConnectionCollectionView.as_view(), name="connections"),
    path("connections/<int:pk>", connections.ConnectionItemView.as_view(), name="connection"),
    path("connections/<int:pk>/test", connections.ConnectionTestView.as_view(), name="connection-test"),
    path("integrations", integrations.IntegrationCollectionView.as_view(), name="integrations"),
    path("integrations/<int:pk>", integrations.IntegrationItemView.as_view(), name="integration"),
    path("integrations/<int:pk>/run", integrations.IntegrationRunView.as_view(), name="integration-run"),
    path("integrations/<int:pk>/replay", integrations.IntegrationReplayView.as_view(), name="integration-replay"),
    path("integrations/<int:integration_id>/value-mappings", mappings.ValueMappingCollectionView.as_view(),
         name="value-mappings"),
    path("integrations/<int:integration_id>/value-mappings/<int:pk>", mappings.ValueMappingItemView.as_view(),
         name="value-mapping"),
    path("integrations/<int:integration_id>/field-mappings", mappings.FieldMappingCollectionView.as_view(),
         name="field-mappings"),
    path("integrations/<int:integration_id>/field-mappings/<int:pk>", mappings.FieldMappingItemView.as_view(),
         name="field-mapping"),
    path("runs", runs.RunListView.as_view(), name="runs"),
    path("runs/<int:pk>", runs.RunDetailView.as_view(), name="run"),
    path("audit-records", audit.AuditRecordListView.as_view(), name="audit-records"),
    path("audit-records/<int:pk>", audit.AuditRecordDetailView.as_view(), name="audit-record"),
    path("pending-records", pending.PendingRecordListView.as_view(), name="pending-records"),
    path("journal-approvals", approvals.JournalApprovalListView.as_view(), name="journal-approvals"),
    path("journal-approvals/<int:pk>", approvals.JournalApprovalItemView.as_view(), name="journal-approval"),
    path("journal-approvals/<int:pk>/approve", approvals.JournalApproveView.as_view(), name="journal-approval-approve"),
    path("journal-approvals/<int:pk>/reject", approvals.JournalRejectView.as_view(), name="journal-approval-reject"),
    path("memberships", memberships.MembershipCollectionView.as_view(), name="memberships"),
    path("memberships/<int:pk>", memberships.MembershipItemView.as_view(), name="membership"),
]

v1_urls = [
    path("signup", accounts.SignupView.as_view(), name="signup"),
    path("signup/verify", accounts.SignupVerifyView.as_view(), name="signup-verify"),
    path("auth/token", accounts.AuthTokenView.as_view(), name="auth-token"),
    path("auth/token/rotate", accounts.AuthTokenRotateView.as_view(), name="auth-token-rotate"),
    path("auth/token/revoke", accounts.AuthTokenRevokeView.as_view(), name="auth-token-revoke"),
    path("tenants", accounts.TenantListView.as_view(), name="tenants"),
    path("vendors", catalog.VendorListView.as_view(), name="vendors"),
    path("flows", catalog.FlowListView.as_view(), name="flows"),
    path("tenants/<slug:tenant_slug>/", include(tenant_urls)),
]

urlpatterns = [path("v1/", include(v1_urls))]
