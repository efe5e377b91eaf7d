"""Every connection gets its own intake URL token; existing rows get distinct ones before the column turns unique."""
from django.db import migrations, models

import connections.models


def fill_tokens(apps, schema_editor):
    Connection = apps.get_model("connections", "Connection")
    for connection in Connection.objects.filter(webhook_token__isnull=True).only("pk"):
        Connection.objects.filter(pk=connection.pk).update(webhook_token=connections.models.webhook_token_new())


class Migration(migrations.Migration):
    dependencies = [("connections", "0001_initial")]

    operations = [
        migrations.AddField("connection", "webhook_token",
                            models.CharField(max_length=64, null=True, editable=False)),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField("connection", "webhook_token",
                              models.CharField(max_length=64, unique=True, editable=False,
                                               default=connections.models.webhook_token_new)),
    ]
