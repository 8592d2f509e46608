from django.urls import path

from sportello.web import link_urls
from sportello.web.views import (
    api_tokens,
    auth,
    create,
    downloads,
    faq,
    live,
    overviews,
    preferences,
    presence,
    printing,
    report_schedules,
    reports,
    sso,
    zoom,
)

app_name = "web"

urlpatterns = [
    path("", overviews.home, name="home"),
    path("events/", live.events, name="events"),
    path("dashboard/order/", overviews.dashboard_order, name="dashboard-order"),
    path("dashboard/<str:name>/", overviews.dashboard_widget, name="dashboard-widget"),
    path(
        "dashboard/<str:name>/settings/",
        overviews.dashboard_settings,
        name="dashboard-settings",
    ),
    path("dashboard/<str:name>/remove/", overviews.dashboard_remove, name="dashboard-remove"),
    path("dashboard/<str:name>/restore/", overviews.dashboard_restore, name="dashboard-restore"),
    path("queues/", overviews.queue_view, name="queue-view"),
    path("queues/settings/", overviews.queue_view_settings, name="queue-view-settings"),
    path("overview/status/", overviews.status, name="status"),
    path("overview/<str:name>/", overviews.overview, name="overview"),
    path("tickets/bulk/", overviews.bulk_action, name="bulk"),
    path("login/", auth.LoginView.as_view(), name="login"),
    *sso.views.urls(),  # single sign-on: login/oidc/…, login/saml/…
    path("logout/", auth.logout, name="logout"),
    path("password/", auth.PasswordChangeView.as_view(), name="password-change"),
    path("tickets/new/phone/", create.new_phone_ticket, name="new-phone-ticket"),
    path("tickets/new/email/", create.new_email_ticket, name="new-email-ticket"),
    path("customers/search/", create.customer_search, name="customer-search"),
    *link_urls.urlpatterns,  # the ticket zoom
    path("ticket/<str:number>/answer/", zoom.ticket_answer, name="ticket-answer"),
    path("ticket/<str:number>/presence/", presence.region, name="ticket-presence"),
    path(
        "ticket/<str:number>/presence/announce/",
        presence.announce,
        name="ticket-presence-announce",
    ),
    path("ticket/<str:number>/print/", printing.ticket_print, name="ticket-print"),
    path("ticket/<str:number>/attachment/<int:pk>/", downloads.attachment, name="attachment"),
    path(
        "ticket/<str:number>/article/<int:article>/mark/",
        zoom.article_mark,
        name="article-mark",
    ),
    path(
        "ticket/<str:number>/article/<int:article>/raw/", downloads.article_raw, name="article-raw"
    ),
    path(
        "ticket/<str:number>/article/<int:article>/eml/", downloads.article_eml, name="article-eml"
    ),
    path(
        "ticket/<str:number>/article/<int:article>/print/",
        printing.article_print,
        name="article-print",
    ),
    path("ticket/<str:number>/faq/", faq.ticket_faq, name="ticket-faq"),
    path("kb/", faq.explorer, name="faq-explorer"),
    path("kb/search/", faq.search, name="faq-search"),
    path("kb/picker/", faq.picker, name="faq-picker"),
    path("kb/new/", faq.create, name="faq-create"),
    path("kb/approval/", faq.approval_queue, name="faq-approval"),
    path("kb/journal/", faq.journal, name="faq-journal"),
    path("kb/<int:number>/", faq.zoom, name="faq-zoom"),
    path("kb/<int:number>/edit/", faq.edit, name="faq-edit"),
    path("kb/<int:number>/duplicate/", faq.duplicate, name="faq-duplicate"),
    path("kb/<int:number>/approve/", faq.approve, name="faq-approve"),
    path("kb/<int:number>/rate/", faq.rate, name="faq-rate"),
    path("kb/<int:number>/print/", faq.print_view, name="faq-print"),
    path("kb/<int:number>/pdf/", faq.pdf_view, name="faq-pdf"),
    path("kb/<int:number>/link/", faq.link_ticket, name="faq-link"),
    path("kb/<int:number>/attachment/<int:pk>/", faq.attachment, name="faq-attachment"),
    path(
        "kb/<int:number>/attachment/<int:pk>/delete/",
        faq.attachment_delete,
        name="faq-attachment-delete",
    ),
    path("notifications/", preferences.notification_list, name="notifications"),
    path("notifications/read/", preferences.notification_read, name="notifications-read"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("preferences/skin/", preferences.switch_skin, name="skin"),
    path("preferences/menu/", preferences.menu_order, name="menu-order"),
    path("preferences/api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/new/", reports.report_edit, name="report-new"),
    path("reports/preview/", reports.report_preview, name="report-preview"),
    path("reports/<int:pk>/", reports.report_run, name="report-run"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report-edit"),
    path("reports/<int:pk>/delete/", reports.report_delete, name="report-delete"),
    path("reports/<int:pk>/export/", reports.report_export, name="report-export"),
    path("reports/<int:pk>/runs/<int:run>/", reports.report_status, name="report-status"),
    path("reports/<int:pk>/schedules/", report_schedules.schedule_list, name="report-schedules"),
    path(
        "reports/<int:pk>/schedules/new/",
        report_schedules.schedule_edit,
        name="report-schedule-new",
    ),
    path(
        "reports/<int:pk>/schedules/<int:sid>/",
        report_schedules.schedule_edit,
        name="report-schedule-edit",
    ),
    path(
        "reports/<int:pk>/schedules/<int:sid>/delete/",
        report_schedules.schedule_delete,
        name="report-schedule-delete",
    ),
    path(
        "preferences/api-tokens/<int:pk>/revoke/",
        api_tokens.api_token_revoke,
        name="api-token-revoke",
    ),
]
