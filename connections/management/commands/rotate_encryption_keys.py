"""Re-encrypt every encrypted value with the first key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first, keep the old ones after it, run this, then drop the old keys.
"""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mlconnector.fields import FieldDecryptionError, encrypted_fields, rotate_token


class Command(BaseCommand):
    help = "Re-encrypt all encrypted model fields with the current (first) FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        total = 0
        for model, field in encrypted_fields():
            rotated = 0
            with transaction.atomic():
                rows = model._base_manager.select_for_update().exclude(**{f"{field.attname}__isnull": True})
                for pk, token in rows.values_list("pk", field.attname).iterator(chunk_size=500):
                    try:
                        new_token = rotate_token(token)
                    except FieldDecryptionError:
                        raise CommandError(
                            f"{model._meta.label}.{field.name} of row pk={pk} cannot be decrypted with any key in "
                            "FIELD_ENCRYPTION_KEYS. Nothing was changed. Add the key it was encrypted with "
                            "(after the new first key) and run again."
                        ) from None
                    model._base_manager.filter(pk=pk).update(**{field.attname: type(token)(new_token)})
                    rotated += 1
            self.stdout.write(f"{model._meta.label}.{field.name}: {rotated} value(s) re-encrypted")
            total += rotated
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} value(s) with the current key."))
