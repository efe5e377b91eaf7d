import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test import override_settings

from connections.models import Connection
from mlconnector.fields import FieldDecryptionError
from tests.factories import ConnectionFactory

SECRET = "s3cret-value-that-must-not-leak"
ROOT = Path(__file__).resolve().parents[2]


def raw_credentials(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connections_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_it_stores_no_plaintext_in_the_column():
    connection = ConnectionFactory(credentials={"client_id": "isv_x", "client_secret": SECRET})

    raw = raw_credentials(connection.pk)

    assert SECRET not in raw and "client_secret" not in raw and "isv_x" not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert Connection.objects.get(pk=connection.pk).credentials["client_secret"] == SECRET


@pytest.mark.django_db
def test_it_rotates_keys_over_live_rows(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    rows = [ConnectionFactory(credentials={"client_secret": f"{SECRET}-{i}"}) for i in range(3)]
    before = {row.pk: raw_credentials(row.pk) for row in rows}
    new_key = Fernet.generate_key().decode()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("rotate_encryption_keys", stdout=open(os.devnull, "w"))

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):  # the old key is gone
        for i, row in enumerate(rows):
            assert raw_credentials(row.pk) != before[row.pk]
            assert Connection.objects.get(pk=row.pk).credentials == {"client_secret": f"{SECRET}-{i}"}


@pytest.mark.django_db
def test_it_refuses_to_rotate_a_value_no_key_opens(settings):
    row = ConnectionFactory()
    stranger = Fernet.generate_key().decode()

    with override_settings(FIELD_ENCRYPTION_KEYS=[stranger]):
        with pytest.raises(CommandError, match=f"pk={row.pk}"):
            call_command("rotate_encryption_keys", stdout=open(os.devnull, "w"))


@pytest.mark.django_db
def test_it_raises_a_clear_error_when_no_key_decrypts():
    row = ConnectionFactory(credentials={"client_secret": SECRET})

    with override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        loaded = Connection.objects.get(pk=row.pk)  # loading alone does not fail…
        with pytest.raises(FieldDecryptionError) as caught:
            loaded.credentials  # …reading the value does, and never yields ciphertext

    message = str(caught.value)
    assert f"connections.Connection.credentials of row pk={row.pk}" in message
    assert "FIELD_ENCRYPTION_KEYS" in message


@pytest.mark.django_db
def test_saving_an_unread_row_keeps_its_ciphertext():
    row = ConnectionFactory()
    before = raw_credentials(row.pk)

    loaded = Connection.objects.get(pk=row.pk)
    loaded.name = "renamed"
    loaded.save()

    assert raw_credentials(row.pk) == before


def test_production_refuses_to_start_without_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS")}
    env.update(DJANGO_ENV="production", VAR_DIR=str(tmp_path), SECRET_KEY="x" * 50)

    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr
