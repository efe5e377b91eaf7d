"""Run numbers per integration (#1, #2, #3 for each), backfilled in the order the runs were queued."""
from django.db import migrations, models


def number_runs(apps, schema_editor):
    SyncRun = apps.get_model("syncs", "SyncRun")
    last_integration, number = None, 0
    for run in SyncRun.objects.order_by("integration_id", "queued_at", "pk").only("pk", "integration_id").iterator():
        number = number + 1 if run.integration_id == last_integration else 1
        last_integration = run.integration_id
        SyncRun.objects.filter(pk=run.pk).update(number=number)


class Migration(migrations.Migration):

    dependencies = [
        ("syncs", "0007_h3_journal_approvals"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="number",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(number_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="syncrun",
            constraint=models.UniqueConstraint(fields=("integration", "number"), name="syncrun_unique_number"),
        ),
    ]
