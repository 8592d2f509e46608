"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from sportello.core import crypto


class EncryptedTextField(models.TextField):
    """Text kept encrypted in the database (``core.crypto``), plain in Python. Not for
    lookups: every encryption of the same value differs."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) stored encrypted: what a key rotation re-encrypts."""
    from django.apps import apps

    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedTextField)
    ]


@transaction.atomic
def reencrypt_all() -> int:
    """Encrypt every stored secret again with the first key (read with any): after a new
    key is put first in ``SPORTELLO_ENCRYPTION_KEYS``. Returns how many were."""
    count = 0
    for model, name in encrypted_fields():
        rows = model._default_manager.exclude(**{name: ""}).select_for_update()
        for pk, value in list(rows.values_list("pk", name)):
            # Read decrypts, the update encrypts (get_prep_value) with the first key.
            model._default_manager.filter(pk=pk).update(**{name: value})
            count += 1
    return count
