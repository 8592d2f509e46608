"""The agent's notifications list, preferences and skin switch."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.accounts.decorators import agent_required
from sportello.accounts.services import set_menu_order, update_appearance, update_preferences
from sportello.core.errors import DomainError
from sportello.notifications import services as notifications
from sportello.notifications.models import Notification
from sportello.web import menu
from sportello.web.forms.common import PreferencesForm


@agent_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = (
        Notification.objects.filter(agent=request.user)  # type: ignore[misc]
        .select_related("ticket")
        .order_by("read_at", "-created")[:200]
    )
    return render(request, "web/notifications.html", {"notifications": items})


@agent_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notifications.mark_read(request.user, ids or None)  # type: ignore[arg-type]
    return redirect("web:notifications")


@agent_required
def preferences(request: HttpRequest) -> HttpResponse:
    agent = request.user
    initial = {
        "my_queues": list(agent.my_queues.all()),  # type: ignore[union-attr]
        "out_of_office_start": agent.out_of_office_start,  # type: ignore[union-attr]
        "out_of_office_end": agent.out_of_office_end,  # type: ignore[union-attr]
        "after_create": agent.after_create,  # type: ignore[union-attr]
        **{name: getattr(agent, name) for name in PreferencesForm.APPEARANCE},
    }
    form = PreferencesForm(request.POST or None, agent=agent, initial=initial)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_preferences(
                agent,  # type: ignore[arg-type]
                my_queues=data["my_queues"],
                out_of_office=(data["out_of_office_start"], data["out_of_office_end"]),
                notifications=form.notifications(),
                after_create=data["after_create"] or None,
                appearance=form.appearance(),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if agent.language:  # type: ignore[union-attr]
                translation.activate(agent.language)  # type: ignore[union-attr]
            messages.success(request, _("Your preferences were saved."))
            return redirect("web:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/preferences.html", {"form": form}, status=status)


@agent_required
@require_POST
def switch_skin(request: HttpRequest) -> HttpResponse:
    """The top bar's switch: the other skin, saved as the agent's preference."""
    agent = request.user
    skin = "light" if agent.skin == "dark" else "dark"  # type: ignore[union-attr]
    update_appearance(agent, {"skin": skin})  # type: ignore[arg-type]
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("web:preferences")
    return redirect(target)


@agent_required
@require_POST
def menu_order(request: HttpRequest) -> HttpResponse:
    """The top menu's order: the whole order (posted by dragging, or the form), or one
    entry moved up or down (the preferences page's buttons)."""
    agent = request.user
    order = request.POST.getlist("order")
    for name, step in (("up", -1), ("down", 1)):
        if request.POST.get(name):
            order = menu.moved(
                order or agent.menu_order,  # type: ignore[union-attr]
                request.POST[name],
                step,
                menu.visible(agent),
            )
    fetched = bool(request.headers.get("HX-Request"))
    try:
        set_menu_order(agent, order, known=menu.keys_for(agent))  # type: ignore[arg-type]
    except DomainError as error:
        if fetched:
            return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, str(error))
    else:
        if fetched:
            return HttpResponse(status=204)
        messages.success(request, _("The order of the top menu was saved."))
    return redirect(reverse("web:preferences") + "#menu-order")
