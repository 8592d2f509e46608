"""As in OTRS's initial data: a receipt auto-response on the default queue Raw (here in
English, German and Italian, chosen by the customer's language), and the answer to mail
over the size limit."""

from django.db import migrations

RECEIPTS = [
    (
        "",
        "default reply (after new ticket has been created)",
        "RE: {{ article.subject }}",
        "Dear {{ customer.full_name }},\n\nyour request has been received and will be answered "
        "as soon as possible. Its number is {{ ticket.number }}; please keep it in the subject "
        "of any further mail about this request.\n\nYour helpdesk\n",
    ),
    (
        "de",
        "Eingangsbestätigung (neues Ticket)",
        "AW: {{ article.subject }}",
        "Guten Tag {{ customer.full_name }},\n\nIhre Anfrage ist bei uns eingegangen und wird "
        "so bald wie möglich beantwortet. Ihre Vorgangsnummer lautet {{ ticket.number }}; bitte "
        "lassen Sie sie im Betreff weiterer E-Mails zu diesem Anliegen stehen.\n\n"
        "Ihr Helpdesk\n",
    ),
    (
        "it",
        "Conferma di ricezione (nuovo ticket)",
        "R: {{ article.subject }}",
        "Gentile {{ customer.full_name }},\n\nla sua richiesta è stata ricevuta e riceverà "
        "risposta al più presto. Il numero del ticket è {{ ticket.number }}; lo lasci "
        "nell'oggetto delle prossime e-mail su questa richiesta.\n\nIl suo helpdesk\n",
    ),
]
TOO_LARGE = (
    "message too large",
    "Your message was not delivered: too large",
    'Your message "{{ subject }}" ({{ size }} bytes) is larger than the {{ limit }} bytes '
    "this helpdesk accepts. It has been kept, but not filed as a request. Please send it "
    "again without large attachments, or share them by a link.\n",
)


def forwards(apps, schema_editor):
    AutoResponse = apps.get_model("mail", "AutoResponse")
    Queue = apps.get_model("queues", "Queue")
    raw = Queue.objects.filter(full_name="Raw").first()
    for language, name, subject, text in RECEIPTS:
        response, created = AutoResponse.objects.get_or_create(
            name=name,
            defaults={"type": "new_ticket", "language": language, "subject": subject, "text": text},
        )
        if created and raw is not None:
            response.queues.add(raw)
    name, subject, text = TOO_LARGE
    response, created = AutoResponse.objects.get_or_create(
        name=name, defaults={"type": "too_large", "subject": subject, "text": text}
    )
    if created and raw is not None:
        response.queues.add(raw)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0002_autoresponse_standardtemplate_templateattachment_and_more"),
        ("queues", "0002_initial_data"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
