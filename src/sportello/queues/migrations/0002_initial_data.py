"""OTRS's initial queues (Raw, Junk, Misc, Postmaster) and their mail settings."""

from django.db import migrations

SALUTATION = "Dear {{ customer.first_name }} {{ customer.last_name }},\n"
SIGNATURE = "Your Ticket-Team\n\n {{ agent.first_name }} {{ agent.last_name }}\n"


def forwards(apps, schema_editor):
    Group = apps.get_model("accounts", "Group")
    Queue = apps.get_model("queues", "Queue")
    SystemAddress = apps.get_model("queues", "SystemAddress")
    Salutation = apps.get_model("queues", "Salutation")
    Signature = apps.get_model("queues", "Signature")
    users = Group.objects.get(name="users")
    address, _ = SystemAddress.objects.get_or_create(
        email="helpdesk@localhost", defaults={"display_name": "Sportello Helpdesk"}
    )
    salutation, _ = Salutation.objects.get_or_create(
        name="system standard salutation (en)", defaults={"text": SALUTATION}
    )
    signature, _ = Signature.objects.get_or_create(
        name="system standard signature (en)", defaults={"text": SIGNATURE}
    )
    comments = {
        "Postmaster": "Postmaster queue.",
        "Raw": "All default incoming tickets.",
        "Junk": "All junk tickets.",
        "Misc": "All misc tickets.",
    }
    for name, comment in comments.items():
        Queue.objects.get_or_create(
            full_name=name,
            defaults={
                "name": name,
                "group": users,
                "system_address": address,
                "salutation": salutation,
                "signature": signature,
                "comment": comment,
            },
        )
    raw = Queue.objects.get(full_name="Raw")
    if address.queue_id is None:
        address.queue = raw
        address.save(update_fields=["queue"])


class Migration(migrations.Migration):
    dependencies = [("queues", "0001_initial"), ("accounts", "0002_initial_data")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
