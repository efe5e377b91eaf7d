"""`manage.py erase_person --tenant acme --source-id <id>` (or `--email a@b.c`): audit/erasure.py."""
from django.core.management.base import BaseCommand, CommandError

from audit.erasure import ErasureError, person_erase
from connections.models import Tenant


class Command(BaseCommand):
    help = "Pseudonymise one person's audit rows, pending records and inbound events in one tenant; log the erasure."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--source-id", default="", help="The person's id in the source system (the audit source ref).")
        who.add_argument("--email", default="", help="An e-mail address of the person, found in any payload.")

    def handle(self, *args, tenant, source_id, email, **options):
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant with the slug {tenant!r}.")
        try:
            log = person_erase(tenant=found, source_id=source_id, email=email)
        except ErasureError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Erased {log.person_key} in {found.slug}: {log.audit_rows} audit rows, {log.pending_rows} pending "
            f"records and {log.event_rows} inbound events pseudonymised (source ids: {', '.join(log.source_refs)}); erasure log #{log.pk}."))
