"""Form fields choosing agents, shared by the create forms and the action dialogs."""

from __future__ import annotations

from typing import Any

from django import forms


class AgentChoiceField(forms.ModelChoiceField):
    """Agents by name, with their absence while out of office."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.listed_name)


class AgentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.listed_name)
