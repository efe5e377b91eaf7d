"""The hourly purge of expired, never confirmed sign-ups on the beat schedule (DatabaseScheduler)."""
from django.db import migrations

NAME = "accounts: expire unverified sign-ups"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.update_or_create(name=NAME, defaults={
        "task": "connections.tasks.signups_expire_task", "interval": hourly, "crontab": None, "enabled": True,
        "description": "Deletes sign-ups not confirmed within SIGNUP_VERIFY_HOURS, freeing username and e-mail."})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("connections", "0002_h3_tenant_audit_retention"),
                    ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
