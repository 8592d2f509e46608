"""Agents of an installation from before group grants could act on every queue; keep
that access as an rw grant on every group, so an upgrade locks nobody out."""

from typing import Any

from django.db import migrations


def grant_existing(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("accounts", "Group")
    AgentGrant = apps.get_model("accounts", "AgentGrant")
    groups = list(Group.objects.all())
    rows = [
        AgentGrant(agent=agent, group=group, permission="rw")
        for agent in User.objects.filter(is_system=False, is_active=True)
        for group in groups
    ]
    AgentGrant.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_group_grants_and_roles")]

    operations = [migrations.RunPython(grant_existing, migrations.RunPython.noop)]
