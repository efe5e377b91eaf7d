"""Reads for integrations, runs, mappings and pending records; every selector takes the tenant.

What the health dashboard reads (badges, lag, the run in progress and its progress) is `syncs/health_selectors.py`.
"""
from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from audit.models import AuditRecord
from connections.models import Connection, Tenant
from connections.vendors.errors import VendorError
from syncs.flows import flow_module
from syncs.flows.base import OptionChoice
from syncs.health_selectors import integration_health_annotate
from syncs.models import FieldMapping, Integration, PendingRecord, SyncRun, ValueMapping

UNRESOLVED = (PendingRecord.Status.HELD, PendingRecord.Status.FAILED, PendingRecord.Status.QUARANTINED)


def integration_list(*, tenant: Tenant) -> QuerySet[Integration]:
    """Integrations with their health: last run, and how many records wait held or failed."""
    last_run = SyncRun.objects.filter(integration=OuterRef("pk")).order_by("-queued_at", "-pk")
    return (integration_health_annotate(Integration.objects.filter(tenant=tenant))
            .annotate(last_run_id=Subquery(last_run.values("pk")[:1]),
                      last_run_status=Subquery(last_run.values("status")[:1]),
                      last_run_queued_at=Subquery(last_run.values("queued_at")[:1]),
                      last_run_finished_at=Subquery(last_run.values("finished_at")[:1]))
            .order_by("name", "pk"))


def integration_get(*, tenant: Tenant, pk: int) -> Integration | None:
    return integration_list(tenant=tenant).filter(pk=pk).first()


def flow_option_choices_read(*, integration: Integration) -> tuple[list[OptionChoice], VendorError | None]:
    """The options the flow reads live from its vendors (its optional `option_choices(ctx)` hook, e.g. the
    monday boards to pick from), as the wizard and the settings page offer them; ([], the error) when the
    vendor cannot be read now."""
    from syncs.engine import flow_context

    hook = getattr(flow_module(integration.flow_kind), "option_choices", None)
    if hook is None:
        return [], None
    try:
        return list(hook(flow_context(integration=integration))), None
    except VendorError as error:
        return [], error


def integration_name_taken(*, tenant: Tenant, name: str, exclude_pk: int | None = None) -> bool:
    integrations = Integration.objects.filter(tenant=tenant, name=name)
    if exclude_pk is not None:
        integrations = integrations.exclude(pk=exclude_pk)
    return integrations.exists()


def connection_in_use(*, connection: Connection) -> list[str]:
    """Names of the integrations that read from or write to the connection (it cannot be deleted then)."""
    return list(Integration.objects.filter(tenant_id=connection.tenant_id)
                .filter(Q(source=connection) | Q(destination=connection))
                .order_by("name").values_list("name", flat=True))


def run_list(*, tenant: Tenant, integration_id: int | None = None, status: str | None = None,
             trigger: str | None = None) -> QuerySet[SyncRun]:
    runs = SyncRun.objects.filter(tenant=tenant).order_by("-queued_at", "-pk")
    if integration_id is not None:
        runs = runs.filter(integration_id=integration_id)
    if status:
        runs = runs.filter(status=status)
    if trigger:
        runs = runs.filter(trigger=trigger)
    return runs


def run_get(*, tenant: Tenant, pk: int, integration: Integration | None = None) -> SyncRun | None:
    runs = SyncRun.objects.filter(tenant=tenant, pk=pk)
    if integration is not None:
        runs = runs.filter(integration=integration)
    return runs.first()


def run_outcome_counts(*, run: SyncRun) -> dict[str, int]:
    """Audit rows of the run per outcome (ok, held, failed, dry_run), zeros included."""
    counts = dict.fromkeys(AuditRecord.Outcome.values, 0)
    rows = (AuditRecord.objects.filter(tenant_id=run.tenant_id, run_id=run.pk)
            .order_by().values("outcome").annotate(n=Count("pk")))
    counts.update({row["outcome"]: row["n"] for row in rows})
    return counts


def value_mapping_list(*, integration: Integration, map_name: str | None = None) -> QuerySet[ValueMapping]:
    mappings = ValueMapping.objects.filter(tenant_id=integration.tenant_id, integration=integration)
    return (mappings.filter(map_name=map_name) if map_name else mappings).order_by("map_name", "source_value", "pk")


def value_mapping_get(*, integration: Integration, pk: int) -> ValueMapping | None:
    return value_mapping_list(integration=integration).filter(pk=pk).first()


def field_mapping_list(*, integration: Integration, stream: str | None = None) -> QuerySet[FieldMapping]:
    mappings = FieldMapping.objects.filter(tenant_id=integration.tenant_id, integration=integration)
    return (mappings.filter(stream=stream) if stream else mappings).order_by("stream", "target_field", "pk")


def field_mapping_get(*, integration: Integration, pk: int) -> FieldMapping | None:
    return field_mapping_list(integration=integration).filter(pk=pk).first()


def pending_record_list(*, tenant: Tenant, integration_id: int | None = None, status: str | None = None,
                        stream: str | None = None, source_id: str | None = None, missing_key: str | None = None,
                        run_id: int | None = None) -> QuerySet[PendingRecord]:
    """Records not written; without a status filter, only the unresolved ones (held, failed, quarantined)."""
    pending = PendingRecord.objects.filter(tenant=tenant)
    pending = pending.filter(status=status) if status else pending.filter(status__in=UNRESOLVED)
    if integration_id is not None:
        pending = pending.filter(integration_id=integration_id)
    if stream:
        pending = pending.filter(stream=stream)
    if source_id:
        pending = pending.filter(source_id=source_id)
    if missing_key:
        pending = pending.filter(missing_key=missing_key)
    if run_id is not None:
        pending = pending.filter(last_run_id=run_id)
    # The encrypted payload is never needed to list or choose records.
    return pending.defer("payload").order_by("-updated_at", "-pk")


def pending_record_for(*, tenant: Tenant, integration_id: int | None, stream: str,
                       source_id: str) -> PendingRecord | None:
    """The one pending row of a source record, whatever its status (resolved ones too)."""
    return (PendingRecord.objects.filter(tenant=tenant, integration_id=integration_id, stream=stream,
                                         source_id=source_id)
            .select_related("integration", "last_run").defer("payload").first())


def pending_ids_unknown(*, integration: Integration, pending_ids: list[int]) -> list[int]:
    """The ids among `pending_ids` that are not unresolved records of this integration."""
    known = set(PendingRecord.objects.filter(tenant_id=integration.tenant_id, integration=integration,
                                             pk__in=pending_ids, status__in=UNRESOLVED).values_list("pk", flat=True))
    return sorted(set(pending_ids) - known)


def run_history(*, integration: Integration, limit: int = 20) -> list[SyncRun]:
    return list(run_list(tenant=integration.tenant, integration_id=integration.pk)[:limit])


def replay_leftovers(*, run: SyncRun) -> QuerySet[PendingRecord]:
    """The records a replay run tried and could not write (still failed, quarantined or held)."""
    return pending_record_list(tenant=run.tenant, integration_id=run.integration_id).filter(last_run=run)


def run_unresolved_count(*, run: SyncRun) -> int:
    """Records this run left failed, quarantined or held (what "replay this run's failures" would replay)."""
    return pending_record_list(tenant=run.tenant, integration_id=run.integration_id, run_id=run.pk).count()


# --- choices for the admin's filters: one tenant's runs and integrations only -------------------
# `tenant_ids` None is the operators' site, which sees every tenant.

def integration_choices(*, tenant_ids: list[int] | None) -> list[tuple[str, str]]:
    integrations = Integration.objects.select_related("tenant").order_by("tenant__name", "name", "pk")
    if tenant_ids is not None:
        integrations = integrations.filter(tenant_id__in=tenant_ids)
    return [(str(i.pk), i.name if tenant_ids is not None else f"{i.tenant.name}: {i.name}") for i in integrations]


def run_choices(*, tenant_ids: list[int] | None, integration_id: int | None = None, selected: int | None = None,
                limit: int = 50) -> list[tuple[str, str]]:
    """The newest runs (and the selected one, however old), labelled for a filter list."""
    runs = SyncRun.objects.select_related("integration").order_by("-queued_at", "-pk")
    if tenant_ids is not None:
        runs = runs.filter(tenant_id__in=tenant_ids)
    if integration_id is not None:
        runs = runs.filter(integration_id=integration_id)
    chosen = list(runs[:limit])
    if selected is not None and selected not in {r.pk for r in chosen}:
        chosen += list(runs.filter(pk=selected))
    return [(str(r.pk), f"#{r.number} {r.integration.name} · {timezone.localtime(r.queued_at):%Y-%m-%d %H:%M} · "
                        f"{r.get_status_display()}") for r in chosen]
