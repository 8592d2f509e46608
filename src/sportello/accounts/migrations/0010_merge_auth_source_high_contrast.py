from django.db import migrations


class Migration(migrations.Migration):
    """Joins the identity source's and the high-contrast skin's migrations, written side by
    side."""

    dependencies = [
        ("accounts", "0009_agent_skin_high_contrast"),
        ("accounts", "0009_user_auth_source"),
    ]

    operations: list[migrations.operations.base.Operation] = []
