"""Writes of the setup wizard. Every step calls the project's own services; nothing here talks to a vendor
or the schedule directly.

    draft_create → draft_connection_save / connection_test → draft_integration_ensure (disabled Integration)
    → draft_streams_set → draft_mappings_save → draft_schedule_set → draft_preview (dry run) → draft_enable
"""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.models import Connection, Tenant
from connections.services import (
    ConnectionTestResult,
    ConnectionTestThrottled,
    CredentialsRequired,
    connection_create,
    connection_test,
    connection_update,
    connection_webhooks_register,
)
from audit.redaction import redact_text
from connections.vendors import get_vendor
from connections.vendors.errors import VendorError
from syncs.engine import flow_context
from syncs.flows import flow_module, get_flow
from syncs.mapping_services import MappingError, field_mapping_delete, field_mapping_set, value_mapping_delete
from syncs.models import Integration, SyncRun
from syncs.preview import integration_dry_run
from syncs.selectors import field_mapping_list, value_mapping_list
from syncs.services import (
    integration_create,
    integration_delete,
    integration_run_now,
    integration_update,
    value_mapping_set,
)
from wizard.models import IntegrationDraft
from wizard.selectors import draft_name_taken

Step = IntegrationDraft.Step
STEPS: list[str] = list(Step.values)
ROLES = ("source", "destination")
PREVIEW_LIMIT_MAX = 100


class WizardError(ValueError):
    """Something the user can fix, said in plain words."""


def step_index(step: str) -> int:
    return STEPS.index(step)


def connection_passed(connection: Connection | None) -> bool:
    return connection is not None and connection.status == Connection.Status.OK


def draft_reach(*, draft: IntegrationDraft, step: str) -> None:
    """Remember the furthest step reached (going back never forgets what was done)."""
    if step_index(step) > step_index(draft.step):
        draft.step = step
        draft.save(update_fields=["step", "updated_at"])


def draft_create(*, tenant: Tenant, user, flow_kind: str, name: str) -> IntegrationDraft:
    get_flow(flow_kind)  # LookupError for an unknown kind
    if draft_name_taken(tenant=tenant, name=name):
        raise WizardError(f"{tenant} already has an integration (or one being set up) called {name!r}.")
    return IntegrationDraft.objects.create(tenant=tenant, created_by=user, flow_kind=flow_kind, name=name)


def role_kind(draft: IntegrationDraft, role: str) -> str:
    flow = get_flow(draft.flow_kind)
    return flow.source_kind if role == "source" else flow.destination_kind


@transaction.atomic
def draft_connection_save(*, draft: IntegrationDraft, role: str, connection: Connection | None, name: str = "",
                          base_url: str = "", credentials: dict, config: dict, actor=None) -> Connection:
    """Use an existing connection of the tenant (with any credentials typed in) or create a new one.

    Blank credentials keep what is stored: secrets are write-only.
    """
    if role not in ROLES:
        raise WizardError(f"Unknown role {role!r}.")
    typed_credentials = {k: v for k, v in credentials.items() if v not in (None, "")}
    typed_config = {k: v for k, v in config.items() if v not in (None, "")}
    if connection is None:
        connection = connection_create(tenant=draft.tenant, kind=role_kind(draft, role), name=name,
                                       base_url=base_url, credentials=typed_credentials, config=typed_config,
                                       actor=actor)
    else:
        stored_config = dict(connection.config or {})
        config = {**stored_config, **typed_config}
        if (typed_credentials or config != stored_config or (base_url and base_url != connection.base_url)
                or (name and name != connection.name)):
            try:
                connection = connection_update(connection=connection, name=name or None, base_url=base_url or None,
                                               credentials=typed_credentials, config=config, actor=actor)
            except CredentialsRequired as error:
                raise WizardError(str(error)) from None
    setattr(draft, role, connection)
    draft.save(update_fields=[role, "updated_at"])
    if draft.integration is not None and getattr(draft.integration, f"{role}_id") != connection.pk:
        integration_update(integration=draft.integration, actor=actor, **{role: connection})
    return connection


def draft_connection_test(*, draft: IntegrationDraft, role: str, actor=None) -> ConnectionTestResult:
    """The real connection test against the connection's base URL; on success the next step opens."""
    connection = getattr(draft, role)
    if connection is None:
        raise WizardError(f"Choose or create the {role} connection first.")
    try:
        result = connection_test(connection=connection)
    except ConnectionTestThrottled as throttled:
        raise WizardError(str(throttled)) from None
    if result.ok:
        draft_reach(draft=draft, step=Step.DESTINATION if role == "source" else Step.STREAMS)
        if all(connection_passed(getattr(draft, r)) for r in ROLES):
            draft_integration_ensure(draft=draft, actor=actor)
    elif step_index(draft.step) > step_index(role):
        # Not kept as if usable: the draft is back at this step until the connection passes again; the steps
        # after it are then walked again, each showing what was saved in it before.
        draft.step = role
        draft.save(update_fields=["step", "updated_at"])
    return result


@transaction.atomic
def draft_integration_ensure(*, draft: IntegrationDraft, actor=None) -> Integration:
    """The draft's Integration, created disabled (every stream, the flow's default schedule) once both
    connections work: mappings, field overrides and dry runs all hang off it."""
    if draft.integration is not None:
        return draft.integration
    for role in ROLES:
        if not connection_passed(getattr(draft, role)):
            raise WizardError(f"The {role} connection has not passed its test yet.")
    try:
        with transaction.atomic():
            integration = integration_create(
                tenant=draft.tenant, name=draft.name, flow_kind=draft.flow_kind, source=draft.source,
                destination=draft.destination, streams=list(get_flow(draft.flow_kind).streams), enabled=False,
                actor=actor)
    except IntegrityError:
        raise WizardError(f"An integration called {draft.name!r} was created meanwhile; start again with another "
                          "name.") from None
    draft.integration = integration
    draft.save(update_fields=["integration", "updated_at"])
    return integration


def draft_streams_set(*, draft: IntegrationDraft, streams: list[str], actor=None,
                      options: dict | None = None) -> Integration:
    """The streams, and the flow's option choices (OPTION_CHOICES) merged into the integration's options."""
    known = get_flow(draft.flow_kind).streams
    unknown = [s for s in streams if s not in known]
    if unknown or not streams:
        raise WizardError(f"Choose at least one of {', '.join(known)}.")
    integration = draft_integration_ensure(draft=draft, actor=actor)
    changes = {"options": {**(integration.options or {}), **options}} if options else {}
    check = getattr(flow_module(draft.flow_kind), "options_check", None)
    if check is not None and changes:
        # The flow's own check of what was picked (a monday board the token cannot see is refused, in its words).
        try:
            changes["options"] = check(flow_context(integration=integration), changes["options"])
        except VendorError as error:
            raise WizardError(redact_text(str(error))) from None
    integration = integration_update(integration=integration, actor=actor,
                                     streams=[s for s in known if s in streams], **changes)
    draft_reach(draft=draft, step=Step.MAPPINGS)
    return integration


@transaction.atomic
def draft_mappings_save(*, draft: IntegrationDraft, values: dict[str, dict[str, str]],
                        fields: dict[str, dict[str, str]], actor=None) -> None:
    """`values`: map name → {source value: target value, '' to remove}; `fields`: stream → {target field:
    source field, '' for the flow's default}. Only what changed is written."""
    integration = draft_integration_ensure(draft=draft, actor=actor)
    for map_name, table in values.items():
        stored = {m.source_value: m for m in value_mapping_list(integration=integration, map_name=map_name)}
        for source_value, target_value in table.items():
            current = stored.get(source_value)
            if target_value and (current is None or current.target_value != target_value):
                value_mapping_set(integration=integration, map_name=map_name, source_value=source_value,
                                  target_value=target_value, actor=actor)
            elif not target_value and current is not None:
                value_mapping_delete(mapping=current, actor=actor)
    for stream, table in fields.items():
        stored = {m.target_field: m for m in field_mapping_list(integration=integration, stream=stream)}
        for target_field, source_field in table.items():
            current = stored.get(target_field)
            if source_field and (current is None or current.source_field != source_field):
                try:
                    field_mapping_set(integration=integration, stream=stream, target_field=target_field,
                                      source_field=source_field, value_map=current.value_map if current else "",
                                      default=current.default if current else "", actor=actor)
                except MappingError as error:  # a translation typed in the admin before it was a choice
                    raise WizardError(f"{target_field}: {error} Choose one in the admin's field mappings.") from None
            elif not source_field and current is not None:
                field_mapping_delete(mapping=current, actor=actor)
    draft_reach(draft=draft, step=Step.SCHEDULE)


def draft_schedule_set(*, draft: IntegrationDraft, every_minutes: int, actor=None) -> Integration:
    if every_minutes < 1:
        raise WizardError("Run at least once a minute apart.")
    integration = integration_update(integration=draft_integration_ensure(draft=draft, actor=actor), actor=actor,
                                     every_minutes=every_minutes, cron="")
    draft_reach(draft=draft, step=Step.PREVIEW)
    return integration


def draft_preview(*, draft: IntegrationDraft, limit: int) -> SyncRun:
    """A dry run of the first `limit` records of each stream, now: mapped and audited, nothing written.

    Not atomic: the engine checkpoints its own audit rows. A vendor that is down ends the run as failed
    (the error is on the run) and the preview says so.
    """
    if not 1 <= limit <= PREVIEW_LIMIT_MAX:
        raise WizardError(f"Preview between 1 and {PREVIEW_LIMIT_MAX} records.")
    run = integration_dry_run(integration=draft_integration_ensure(draft=draft), limit=limit)
    if run.status not in (SyncRun.Status.FAILED, SyncRun.Status.SKIPPED):
        draft_reach(draft=draft, step=Step.ENABLE)
    return run


@transaction.atomic
def draft_enable(*, draft: IntegrationDraft, actor=None) -> Integration:
    """Turn the integration on (its schedule follows) and queue its first run."""
    if step_index(draft.step) < step_index(Step.ENABLE):
        raise WizardError("Run the dry-run preview first.")
    integration = integration_update(integration=draft_integration_ensure(draft=draft, actor=actor), actor=actor,
                                     enabled=True)
    integration_run_now(integration=integration)
    draft.completed_at = timezone.now()
    draft.save(update_fields=["completed_at", "updated_at"])
    return integration


def draft_destination_setup(*, draft: IntegrationDraft) -> list[str]:
    """Before the integration is turned on: the flow's optional `destination_setup(ctx)` hook makes the destination
    ready (the monday boards with their columns and status webhook), so the first run finds it made; returns what
    it did, in words. A vendor call, outside any transaction; VendorError goes to the caller."""
    from syncs.engine import flow_context
    from syncs.flows import flow_module

    hook = getattr(flow_module(draft.flow_kind), "destination_setup", None)
    if hook is None or draft.integration is None:
        return []
    return list(hook(flow_context(integration=draft.integration)))


def draft_webhooks_register(*, draft: IntegrationDraft) -> dict | None:
    """Once the integration is on, register our intake URL where the source vendor's API lets us (Paychex hooks),
    so its notifications start flowing; the scheduled poll stays the backstop. Done once per connection: a
    connection registered before keeps its hook. Returns the new registration, or None if there was none to make.
    Called outside the enabling transaction: it is a vendor call."""
    source = draft.integration.source
    registration = get_vendor(source.kind).registration
    if registration is None or registration.registered_here(source.credentials or {}):
        return None
    return connection_webhooks_register(connection=source)


@transaction.atomic
def draft_discard(*, draft: IntegrationDraft, actor=None) -> None:
    """Throw a draft away with its disabled integration; the connections stay for the next attempt."""
    if draft.completed_at is not None:
        raise WizardError("This integration is already enabled; delete it from the integrations list instead.")
    if draft.integration is not None:
        integration_delete(integration=draft.integration, actor=actor)  # the draft goes with it (CASCADE)
    else:
        draft.delete()
