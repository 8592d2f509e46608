"""Mail account passwords encrypted at rest: the column becomes text (a Fernet token is
longer than the password), every stored password is encrypted, then the field decrypts
on read."""

from typing import Any

from django.db import migrations, models

import sportello.core.fields
from sportello.core import crypto


def encrypt_existing(apps: Any, schema_editor: Any) -> None:
    MailAccount = apps.get_model("mail", "MailAccount")
    for pk, password in MailAccount.objects.exclude(password="").values_list("pk", "password"):
        MailAccount.objects.filter(pk=pk).update(password=crypto.encrypt(password))


def decrypt_existing(apps: Any, schema_editor: Any) -> None:
    MailAccount = apps.get_model("mail", "MailAccount")
    for pk, token in MailAccount.objects.exclude(password="").values_list("pk", "password"):
        MailAccount.objects.filter(pk=pk).update(password=crypto.decrypt(token))


class Migration(migrations.Migration):
    dependencies = [("mail", "0007_alter_standardtemplate_type")]

    operations = [
        migrations.AlterField(
            model_name="mailaccount",
            name="password",
            field=models.TextField(verbose_name="password"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name="mailaccount",
            name="password",
            field=sportello.core.fields.EncryptedTextField(verbose_name="password"),
        ),
    ]
