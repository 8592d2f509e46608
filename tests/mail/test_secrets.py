"""Mail account passwords at rest: encrypted with the first key of
SPORTELLO_ENCRYPTION_KEYS (or one derived from the secret key), readable with any listed
key, re-encrypted by ``sportello rotate_encryption_key``, never shown by the admin."""

from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from sportello.core import crypto
from sportello.mail.models import MailAccount

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-imap-Passwort-ä"
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored(account: MailAccount) -> str:
    """The column as the database holds it."""
    table = MailAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password FROM {table} WHERE id = %s", [account.pk])
        return str(cursor.fetchone()[0])


def make_account(**extra: Any) -> MailAccount:
    return MailAccount.objects.create(
        name="imap", type="imap", host="127.0.0.1", username="helpdesk", password=PASSWORD, **extra
    )


def test_the_password_is_stored_encrypted_and_read_plain(settings: Any) -> None:
    settings.SPORTELLO_ENCRYPTION_KEYS = [OLD]
    account = make_account()
    token = stored(account)
    assert PASSWORD not in token and "helpdesk" not in token
    assert Fernet(OLD.encode()).decrypt(token.encode()).decode() == PASSWORD
    assert MailAccount.objects.get(pk=account.pk).password == PASSWORD


def test_without_keys_one_is_derived_from_the_secret_key(settings: Any) -> None:
    settings.SPORTELLO_ENCRYPTION_KEYS = []
    account = make_account()
    derived = Fernet(crypto.derived_key(settings.SECRET_KEY))
    assert derived.decrypt(stored(account).encode()).decode() == PASSWORD
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        MailAccount.objects.get(pk=account.pk)


def test_rotation_re_encrypts_with_the_first_key(settings: Any) -> None:
    settings.SPORTELLO_ENCRYPTION_KEYS = [OLD]
    account = make_account()
    settings.SPORTELLO_ENCRYPTION_KEYS = [NEW, OLD]  # the new key first, the old still read
    assert MailAccount.objects.get(pk=account.pk).password == PASSWORD
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert out.getvalue().strip() == "1 secret(s) re-encrypted"
    assert Fernet(NEW.encode()).decrypt(stored(account).encode()).decode() == PASSWORD
    settings.SPORTELLO_ENCRYPTION_KEYS = [NEW]  # the old key dropped
    assert MailAccount.objects.get(pk=account.pk).password == PASSWORD


def test_a_malformed_key_is_a_clear_error(settings: Any) -> None:
    settings.SPORTELLO_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="SPORTELLO_ENCRYPTION_KEYS must list"):
        make_account()


def test_the_migration_encrypts_existing_rows(settings: Any) -> None:
    """The data step of mail 0008 on rows as the model before it stored them (plain)."""
    settings.SPORTELLO_ENCRYPTION_KEYS = [OLD]
    loader = MigrationLoader(connection)
    before = loader.project_state(("mail", "0007_alter_standardtemplate_type")).apps
    plain = before.get_model("mail", "MailAccount").objects.create(
        name="old", type="pop3", host="127.0.0.1", username="u", password=PASSWORD
    )
    migration = loader.get_migration("mail", "0008_encrypt_account_passwords")
    step = migration.operations[1]
    step.code(before, None)
    account = MailAccount.objects.get(pk=plain.pk)
    assert stored(account) != PASSWORD and account.password == PASSWORD
    step.reverse_code(before, None)
    assert stored(account) == PASSWORD


def test_the_admin_never_shows_the_password(admin_client: Client) -> None:
    account = make_account()
    url = f"/admin/mail/mailaccount/{account.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'type="password"' in page and "••••••••" in page
    assert PASSWORD not in page and stored(account) not in page
    data = {
        "name": "imap",
        "type": "imap",
        "host": "127.0.0.1",
        "security": "tls",
        "username": "helpdesk",
        "password": "",
        "imap_folder": "INBOX",
        "poll_interval": 1,
        "valid": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    assert MailAccount.objects.get(pk=account.pk).password == PASSWORD  # empty keeps it
    assert admin_client.post(url, {**data, "password": "new-one"}).status_code == 302
    assert MailAccount.objects.get(pk=account.pk).password == "new-one"
    add = admin_client.post("/admin/mail/mailaccount/add/", {**data, "name": "second"})
    assert "Enter the account" in add.content.decode()
