"""Run numbers count per integration (#1, #2, #3 for each), and the migration numbered older runs the same way."""
import importlib

from django.apps import apps

from syncs.engine import sync_run_create
from syncs.models import SyncRun
from syncs.services import integration_create

numbering = importlib.import_module("syncs.migrations.0008_h5_run_number")


def second_integration(integration):
    return integration_create(tenant=integration.tenant, name="HR → ERP, again", flow_kind=integration.flow_kind,
                              source=integration.source, destination=integration.destination)


def test_each_integration_counts_its_own_runs(integration):
    other = second_integration(integration)
    runs = [sync_run_create(integration=i) for i in (integration, other, integration, integration, other)]
    assert [(r.integration_id, r.number) for r in runs] == [
        (integration.pk, 1), (other.pk, 1), (integration.pk, 2), (integration.pk, 3), (other.pk, 2)]
    assert str(runs[3]) == "Run #3 of HR → ERP (queued)"


def test_the_migration_numbers_existing_runs_in_queued_order(integration):
    other = second_integration(integration)
    for i in (integration, other, integration):
        sync_run_create(integration=i)
    SyncRun.objects.update(number=None)

    numbering.number_runs(apps, None)

    numbered = SyncRun.objects.order_by("pk").values_list("integration_id", "number")
    assert list(numbered) == [(integration.pk, 1), (other.pk, 1), (integration.pk, 2)]
