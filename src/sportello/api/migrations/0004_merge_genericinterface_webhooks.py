from django.db import migrations


class Migration(migrations.Migration):
    """Joins the GenericInterface's and the webhooks' migrations, written side by side."""

    dependencies = [
        ("api", "0002_genericinterface_webservices_and_sessions"),
        ("api", "0003_webhooks"),
    ]

    operations: list[migrations.operations.base.Operation] = []
