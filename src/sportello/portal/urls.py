from django.urls import path

from sportello.portal.views import api_tokens, auth, faq, forms, requests, sso

app_name = "portal"

urlpatterns = [
    path("", requests.my_requests, name="my-requests"),
    path("login/", auth.login, name="login"),
    *sso.views.urls(),  # single sign-on: login/oidc/…, login/saml/…
    path("logout/", auth.logout, name="logout"),
    path("language/", auth.language, name="language"),
    path("login/link/", auth.link_request, name="link-request"),
    path("login/link/<str:token>/", auth.link_login, name="link-login"),
    path("password/reset/", auth.password_reset, name="password-reset"),
    path("password/reset/<str:token>/", auth.password_reset_confirm, name="password-reset-confirm"),
    path("requests/<str:number>/", requests.ticket, name="ticket"),
    path("requests/<str:number>/reply/", requests.reply, name="reply"),
    path("requests/<str:number>/close/", requests.close, name="close"),
    path(
        "requests/<str:number>/attachments/<int:attachment_id>/",
        requests.attachment,
        name="attachment",
    ),
    path("tokens/", api_tokens.api_tokens, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", api_tokens.api_token_revoke, name="api-token-revoke"),
    path("forms/", forms.form_list, name="forms"),
    path("forms/confirm/<str:token>/", forms.form_confirm, name="form-confirm"),
    path("forms/<slug:slug>/", forms.request_form, name="form"),
    path("forms/<slug:slug>/embed/", forms.embedded_form, name="form-embed"),
    path("forms/<slug:slug>/done/<str:number>/", forms.form_done, name="form-done"),
    path("forms/<slug:slug>/suggestions/", faq.form_suggestions, name="form-suggestions"),
    path(
        "forms/<slug:slug>/suggestions/opened/",
        faq.suggestion_opened,
        name="form-suggestions-opened",
    ),
    path("faq/", faq.portal_faq, name="faq"),
    path("faq/<int:number>/", faq.portal_article, name="faq-article"),
    path("faq/<int:number>/rate/", faq.portal_rate, name="faq-rate"),
    path("faq/<int:number>/attachment/<int:pk>/", faq.portal_attachment, name="faq-attachment"),
]
