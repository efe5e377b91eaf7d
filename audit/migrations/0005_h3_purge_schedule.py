"""The nightly retention purge on the beat schedule (django-celery-beat's DatabaseScheduler reads it)."""
from django.db import migrations

NAME = "audit: retention purge"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="17", hour="3", day_of_week="*", day_of_month="*",
                                                       month_of_year="*", timezone="UTC")
    PeriodicTask.objects.update_or_create(name=NAME, defaults={
        "task": "audit.tasks.audit_purge_task", "crontab": crontab, "interval": None, "enabled": True,
        "description": "Deletes audit rows and resolved pending records older than each tenant's retention."})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_h3_write_grant"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
