"""The waits of the tickets already there, from their articles (once, on upgrade)."""

from typing import Any

from django.db import migrations


def rebuild(apps: Any, schema_editor: Any) -> None:
    from sportello.sla import update_waits

    update_waits.rebuild(apps=apps)


class Migration(migrations.Migration):
    # Batches of their own: a large installation's rebuild is not one transaction.
    atomic = False

    dependencies = [
        ("sla", "0005_update_waits"),
        ("tickets", "0017_update_wait_since_and_creation_queue"),
        ("queues", "0005_queue_max_attachment_mb"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
