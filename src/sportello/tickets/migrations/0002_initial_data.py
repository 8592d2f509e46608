"""States, priorities and ticket types as in OTRS's initial data."""

from django.db import migrations

STATES = [
    ("new", "new", "New ticket created by customer."),
    ("open", "open", "Open tickets."),
    ("closed successful", "closed", "Ticket is closed successful."),
    ("closed unsuccessful", "closed", "Ticket is closed unsuccessful."),
    ("closed spam", "closed", "Ticket closed as spam."),
    ("pending reminder", "pending reminder", "Ticket is pending for agent reminder."),
    ("pending auto close+", "pending auto", "Ticket is pending for automatic close."),
    ("pending auto close-", "pending auto", "Ticket is pending for automatic close."),
    ("merged", "merged", "State for merged tickets."),
    ("removed", "removed", "Customer removed ticket."),
]
PRIORITIES = [
    ("1 very low", "#03c4f0"),
    ("2 low", "#83bfc8"),
    ("3 normal", "#cdcdcd"),
    ("4 high", "#ffaaaa"),
    ("5 very high", "#ff505e"),
]
TYPES = ["Unclassified", "Incident", "Service Request", "Problem"]


def forwards(apps, schema_editor):
    State = apps.get_model("tickets", "State")
    Priority = apps.get_model("tickets", "Priority")
    TicketType = apps.get_model("tickets", "TicketType")
    for name, state_type, comment in STATES:
        State.objects.get_or_create(name=name, defaults={"type": state_type, "comment": comment})
    for name, color in PRIORITIES:
        Priority.objects.get_or_create(name=name, defaults={"color": color})
    for name in TYPES:
        TicketType.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
