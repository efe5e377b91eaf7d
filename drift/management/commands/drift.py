"""`manage.py drift <integration id>`: make a drift report now, in this process, and print what differs."""
from django.core.management.base import BaseCommand, CommandError

from drift.models import DriftItem, DriftReport
from drift.services import drift_report_create, drift_report_queue, drift_report_run
from syncs.models import Integration


class Command(BaseCommand):
    help = "Compare an integration's source with its destination: missing, extra and differing records, totals."

    def add_arguments(self, parser):
        parser.add_argument("integration", type=int, help="The integration's id.")
        parser.add_argument("--queue", action="store_true", help="Make the report on the worker fleet instead.")
        parser.add_argument("--limit", type=int, default=20, help="Differences to print (default 20).")

    def handle(self, *args, integration, queue, limit, **options):
        found = Integration.objects.select_related("tenant").filter(pk=integration).first()
        if found is None:
            raise CommandError(f"No integration {integration}.")
        if queue:
            report = drift_report_queue(integration=found)
            self.stdout.write(f"Drift report #{report.pk} of {found} is queued.")
            return
        report = drift_report_run(report=drift_report_create(integration=found))
        if report.status == DriftReport.Status.SKIPPED:  # the integration's lease is held: nothing was compared
            self.stdout.write(f"Drift report #{report.pk} of {found}: skipped: {report.error_message}")
            return
        if report.error_message:
            raise CommandError(f"Drift report #{report.pk} failed: {report.error_message} {report.error_hint}")
        self.stdout.write(f"Drift report #{report.pk} of {found}: {report.source_read} source records read; "
                          f"{report.missing} missing, {report.extra} extra, {report.differs} differing, "
                          f"{report.changed} changed at the destination.")
        for total in report.totals:
            mark = "ok" if total["source"] == total["destination"] else "DIFFERS"
            self.stdout.write(f"  {total['stream']}: {total['label']} {total['group']}: source {total['source']:g}, "
                              f"destination {total['destination']:g} {mark}")
        for item in DriftItem.objects.filter(report=report).exclude(state=DriftItem.State.RELEASED)[:limit]:
            fields = ", ".join(f"{d['field']} {d['source']!r} ≠ {d['destination']!r}" for d in item.diffs)
            self.stdout.write(f"  {item.stream} {item.source_id or '–'} → {item.target_id or '–'}: "
                              f"{item.get_kind_display()}{': ' + fields if fields else ''}")
