"""Encrypted model fields on cryptography's MultiFernet.

Why not a package: django-fernet-fields no longer imports on Django >= 4, and
django-fernet-encrypted-fields derives its key from SECRET_KEY and hands back
the ciphertext when decryption fails. Here:

* keys come only from ``settings.FIELD_ENCRYPTION_KEYS`` (first encrypts, all decrypt);
* values are decrypted lazily, on attribute access, so a failure can name the
  model, field and row, and it always raises ``FieldDecryptionError``: a value
  that cannot be decrypted is never handed on as if it were plaintext;
* saving a row whose encrypted value was never read writes the stored token
  back untouched (no needless decrypt/re-encrypt).
"""
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class FieldDecryptionError(Exception):
    """An encrypted value could not be decrypted with any configured key."""


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty; encrypted fields need at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes). "
            'Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from exc


def multifernet() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class Ciphertext(str):
    """A token as stored in the database, not yet decrypted."""


class _EncryptedAttribute:
    """Descriptor: keeps the stored token until first read, then decrypts once."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner):
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if isinstance(value, Ciphertext):
            value = self.field.decrypt(value, instance=instance)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class EncryptedMixin:
    """Stores ``encrypt(to_plaintext(value))`` in a text column; subclasses define to_plaintext/from_plaintext."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _EncryptedAttribute(self))

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return Ciphertext(value)

    def pre_save(self, model_instance, add):
        # Read the stored value without the descriptor, so an untouched token is saved as is.
        return model_instance.__dict__.get(self.attname)

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Ciphertext):
            return str(value)
        return multifernet().encrypt(self.to_plaintext(value).encode()).decode()

    def decrypt(self, token: str, *, instance=None):
        try:
            plaintext = multifernet().decrypt(token.encode())
        except InvalidToken:
            where = f"{self.model._meta.label}.{self.name}"
            row = f" of row pk={instance.pk}" if instance is not None and instance.pk is not None else ""
            raise FieldDecryptionError(
                f"Cannot decrypt {where}{row}: none of the keys in FIELD_ENCRYPTION_KEYS opens it. "
                "Put the key it was encrypted with back into FIELD_ENCRYPTION_KEYS (after the current key), "
                "or re-enter this value so it is encrypted with the current key."
            ) from None
        return self.from_plaintext(plaintext.decode())

    def value_to_string(self, obj):
        # dumpdata/serialization export ciphertext, never plaintext.
        raw = obj.__dict__.get(self.attname)
        return str(raw) if isinstance(raw, Ciphertext) else self.get_prep_value(raw)


class EncryptedTextField(EncryptedMixin, models.TextField):
    def to_plaintext(self, value) -> str:
        return str(value)

    def from_plaintext(self, text: str):
        return text


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """A dict (e.g. vendor credentials) stored as encrypted JSON."""

    def to_plaintext(self, value) -> str:
        return json.dumps(value, sort_keys=True)

    def from_plaintext(self, text: str):
        return json.loads(text)

    def formfield(self, **kwargs):
        # Encrypted JSON is never edited as raw text in forms; admin builds explicit write-only fields.
        return None


def encrypted_fields():
    """Every (model, field) pair that stores encrypted data, for key rotation."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedMixin):
                yield model, field


def rotate_token(token: str) -> str:
    """Re-encrypt a stored token with the current first key (raises FieldDecryptionError if no key opens it)."""
    try:
        return multifernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise FieldDecryptionError("a stored value is not decryptable with FIELD_ENCRYPTION_KEYS") from None
