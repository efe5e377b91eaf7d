"""`make demo`: a demo tenant syncing against the local sandboxes, with a real worker, beat and web server."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from connections.models import Connection
from connections.tasks import connection_test_task
from demo.dayforce import dayforce_summary
from demo.paychex import demo_paychex_notification
from demo.processes import ChildExited, Children
from demo.setup import demo_integrations_setup, demo_tenant_setup
from demo.webhooks import DEMO_EMAIL, demo_webhook_change
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import PendingRecord, SyncRun, WriteIntent
from syncs.services import integration_run_now, value_mapping_set
from mlconnector.devkeys import dev_secret


# What a flow prints beyond its counts (kind → lines), from the flow's own demo module.
FLOW_SUMMARIES = {"dayforce_visma": dayforce_summary}


class Command(BaseCommand):
    help = "Run the demo: sandboxes, worker, beat and web server, a demo tenant, and a summary of what moved."

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-port", type=int, default=8100)
        parser.add_argument("--web-port", type=int, default=8000)
        parser.add_argument("--exit", action="store_true", help="Stop everything after the summary.")

    def handle(self, *args, sandbox_port, web_port, exit, **options):
        self.log_dir = Path(settings.VAR_DIR) / "logs"
        try:
            with Children(cwd=settings.BASE_DIR, log_dir=self.log_dir) as children:
                self.serve(children, sandbox_port=sandbox_port, web_port=web_port, exit=exit)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        except ChildExited as exc:
            raise CommandError(str(exc)) from None

    def serve(self, children: Children, *, sandbox_port: int, web_port: int, exit: bool) -> None:
        python, sandbox_url = sys.executable, f"http://127.0.0.1:{sandbox_port}"
        children.start("sandbox", [python, "manage.py", "sandbox", "--port", str(sandbox_port)])
        children.wait_http(f"{sandbox_url}/_sandbox/health", "sandbox")
        children.start("worker", [python, "-m", "celery", "-A", "mlconnector", "worker", "--pool=solo",
                                  "-l", "INFO", "--without-gossip", "--without-mingle"])
        children.start("beat", [python, "-m", "celery", "-A", "mlconnector", "beat", "-l", "INFO",
                                "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                                "--schedule", str(Path(settings.VAR_DIR) / "celerybeat-schedule")])
        # The web server runs with DEBUG off, as in production: WhiteNoise serves what collectstatic gathered.
        call_command("collectstatic", interactive=False, verbosity=0)
        children.start("web", [python, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"])

        password = dev_secret(Path(settings.VAR_DIR), "demo_password")
        tenant, user, connections = demo_tenant_setup(sandbox_url=sandbox_url, password=password)
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo tenant: {tenant.name}"))
        self.test_connections(connections)
        integrations = demo_integrations_setup(tenant=tenant, connections=connections)
        self.run_flows(integrations)
        children.wait_http(f"http://127.0.0.1:{web_port}/admin/login/", "web server")
        self.webhook_story(integrations, sandbox_url=sandbox_url, web=f"http://127.0.0.1:{web_port}")
        self.paychex_story(integrations, sandbox_url=sandbox_url, web=f"http://127.0.0.1:{web_port}")
        self.summary(user=user, password=password, integrations=integrations, sandbox_url=sandbox_url,
                     web=f"http://127.0.0.1:{web_port}")
        if exit:
            return
        self.stdout.write("Running; press Ctrl-C (or send SIGTERM) to stop.")
        self.stdout.flush()
        while not (dead := children.exited()):
            time.sleep(1)
        raise ChildExited(f"{', '.join(dead)} stopped; see {self.log_dir}")

    def summary(self, *, user, password: str, integrations: dict, sandbox_url: str, web: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING("Admin"))
        self.stdout.write(f"  Customer admin: {web}/admin/  (user {user.username!r}, password {password!r})")
        for integration, _ in integrations.values():
            self.stdout.write(f"  Dashboard:      {web}/admin/syncs/integration/{integration.pk}/dashboard/"
                              f"  ({integration.name})")
        self.stdout.write(f"  Set up another: {web}/admin/wizard/")
        self.stdout.write(f"  REST API:       {web}/api/docs/  (sign up: POST {web}/api/v1/signup)")
        self.stdout.write(f"  Operators:      {web}/ops/")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            mail_dir = Path(settings.EMAIL_FILE_PATH)
            mails = len(list(mail_dir.glob("*.log"))) if mail_dir.exists() else 0
            self.stdout.write(f"  E-mails:        {mails} file(s) in {mail_dir} (failure notices, sign-ups)")
        self.stdout.write(f"  Sandboxes:      {sandbox_url}   logs: {self.log_dir}")

    def run_flows(self, integrations: dict) -> None:
        """Run each demo integration on the worker and report what moved."""
        self.stdout.write(self.style.MIGRATE_HEADING("Syncs (run by the Celery worker against the sandboxes)"))
        for kind, (integration, unmapped) in integrations.items():
            run = self.wait_run(integration_run_now(integration=integration))
            self.report(integration, run)
            self.report_streams(integration)
            for line in FLOW_SUMMARIES.get(kind, lambda i: [])(integration):
                self.stdout.write(line)
            held = PendingRecord.objects.filter(integration=integration, status=PendingRecord.Status.HELD)
            for pending in held[:5]:
                self.stdout.write(f"      held {pending.stream}:{pending.source_id} — {pending.reason}")
            if unmapped is not None and held.exists():
                self.stdout.write(f"    creating the missing mapping for department '{unmapped['name']}' → IT …")
                value_mapping_set(integration=integration, map_name=DEPARTMENT_MAP,
                                  source_value=unmapped["id"], target_value="IT")
                deadline = time.monotonic() + 60
                while held.exists() and time.monotonic() < deadline:
                    time.sleep(0.3)
                release = SyncRun.objects.filter(integration=integration, trigger=SyncRun.Trigger.REPLAY).first()
                if release is not None:
                    self.report(integration, self.wait_run(release), label="release")

    def webhook_story(self, integrations: dict, *, sandbox_url: str, web: str) -> None:
        """A change at Rippling reaches Visma by webhook: notified, re-read, written, on the worker."""
        integration, _ = integrations["rippling_visma"]
        self.stdout.write(self.style.MIGRATE_HEADING("Webhook (Rippling notifies the intake; the worker writes)"))
        story = demo_webhook_change(integration=integration, sandbox_url=sandbox_url, web=web)
        self.tell(integration, story, "webhook", f"e-mail {story['email'] or '(none)'}", story["email"] == DEMO_EMAIL,
                  "the change at Rippling")

    def paychex_story(self, integrations: dict, *, sandbox_url: str, web: str) -> None:
        """A move at Paychex reaches Visma by notification: registered, notified, re-read, written."""
        integration, _ = integrations["paychex_visma"]
        self.stdout.write(self.style.MIGRATE_HEADING("Notification (Paychex notifies the intake; the worker writes)"))
        story = demo_paychex_notification(integration=integration, sandbox_url=sandbox_url, web=web)
        self.tell(integration, story, "notification", f"department {story['department'] or '(none)'}",
                  story["department"] == "OPS", "the move at Paychex")

    def tell(self, integration, story: dict, label: str, holds: str, reached: bool, change: str) -> None:
        """What an event-driven story did: the event received, its run, and what Visma holds now."""
        event, run = story["event"], story["run"]
        if event is not None:
            self.stdout.write(f"  received {event.type} for {', '.join(event.source_ids)} — {event.status}")
        if run is None:
            self.stdout.write(self.style.ERROR(f"  no {label} run finished in time; see the worker log"))
            return
        self.report(integration, run, label=label)
        mark = self.style.SUCCESS if reached else self.style.ERROR
        self.stdout.write(mark(f"  Visma now has {holds} for that employee ({story['seconds']:.1f}s after {change})"))

    def report_streams(self, integration) -> None:
        """What each stream wrote: Power BI rows per table, Visma employees."""
        written = (WriteIntent.objects.filter(integration=integration, state=WriteIntent.State.CONFIRMED)
                   .values("stream").annotate(count=Count("id")).order_by("stream"))
        if written:
            self.stdout.write("      written: " + ", ".join(f"{row['stream']} {row['count']}" for row in written))

    def wait_run(self, run: SyncRun, timeout: float = 300) -> SyncRun:
        deadline = time.monotonic() + timeout
        done = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.FAILED, SyncRun.Status.SKIPPED)
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in done:
                return run
            time.sleep(0.3)
        return run

    def report(self, integration, run: SyncRun, label: str = "run") -> None:
        style = {SyncRun.Status.SUCCEEDED: self.style.SUCCESS, SyncRun.Status.PARTIAL: self.style.WARNING}.get(
            run.status, self.style.ERROR)
        self.stdout.write(f"  {style(run.status.upper()):<10} {integration.name} ({label}): read {run.read}, "
                          f"created {run.created}, updated {run.updated}, unchanged {run.unchanged}, "
                          f"held {run.held}, failed {run.failed}; {run.http_calls} HTTP calls"
                          + (f" — {run.error}" if run.error else ""))

    def test_connections(self, connections: dict[str, Connection]) -> None:
        """Test every connection through the worker, as the admin's button does."""
        for connection in connections.values():
            connection_test_task.delay(connection.pk)
        pending = {c.pk for c in connections.values()}
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            done = Connection.objects.filter(pk__in=pending).exclude(status=Connection.Status.UNTESTED)
            pending -= set(done.values_list("pk", flat=True))
            time.sleep(0.3)
        self.stdout.write(self.style.MIGRATE_HEADING("Connections (tested by the Celery worker)"))
        for connection in Connection.objects.filter(pk__in=[c.pk for c in connections.values()]).order_by("name"):
            if connection.status == Connection.Status.OK:
                mark, detail = self.style.SUCCESS("ok    "), ""
            elif connection.status == Connection.Status.FAILED:
                mark, detail = self.style.ERROR("FAILED"), f" — {connection.last_error}"
            else:
                mark, detail = self.style.WARNING("…     "), " — the worker did not answer in time"
            self.stdout.write(f"  {mark} {connection.name}{detail}")
