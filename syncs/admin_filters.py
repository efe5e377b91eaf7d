"""Changelist filters whose choices are the user's own tenants' integrations and runs, never another's."""
from __future__ import annotations

from django.contrib import admin

from syncs.selectors import integration_choices, run_choices


def _tenant_ids(request, model_admin) -> list[int] | None:
    # None on the operators' site, which sees every tenant.
    return model_admin.tenant_ids(request) if model_admin.scoped else None


def _number(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


class IntegrationFilter(admin.SimpleListFilter):
    title = "integration"
    parameter_name = "integration"

    def lookups(self, request, model_admin):
        return integration_choices(tenant_ids=_tenant_ids(request, model_admin))

    def queryset(self, request, queryset):
        # The queryset is already the tenant's; an id from elsewhere simply matches nothing.
        if self.value() is None:
            return queryset
        number = _number(self.value())
        return queryset.filter(integration_id=number) if number is not None else queryset.none()


class RunFilter(admin.SimpleListFilter):
    title = "run"
    parameter_name = "run"
    run_lookup = "run_id"

    def lookups(self, request, model_admin):
        integration_id = _number(request.GET.get(IntegrationFilter.parameter_name))
        return run_choices(tenant_ids=_tenant_ids(request, model_admin), integration_id=integration_id,
                           selected=_number(self.value()))

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        number = _number(self.value())
        return queryset.filter(**{self.run_lookup: number}) if number is not None else queryset.none()


class LastRunFilter(RunFilter):
    title = "last tried in run"
    run_lookup = "last_run_id"


class FlowFilter(admin.SimpleListFilter):
    """The flows by their names ("Rippling → Visma.net"), not their kinds."""

    title = "flow"
    parameter_name = "flow_kind"

    def lookups(self, request, model_admin):
        from syncs.flows import flow_choices

        return flow_choices()

    def queryset(self, request, queryset):
        return queryset.filter(flow_kind=self.value()) if self.value() else queryset
