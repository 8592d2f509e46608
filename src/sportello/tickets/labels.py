"""Names of the seeded states, priorities and ticket types, marked for translation.

They are stored in English (stable for scripts and filters) and shown through gettext.
"""

from django.utils.translation import gettext_noop

SEEDED_NAMES = (
    gettext_noop("new"),
    gettext_noop("open"),
    gettext_noop("closed successful"),
    gettext_noop("closed unsuccessful"),
    gettext_noop("closed spam"),
    gettext_noop("pending reminder"),
    gettext_noop("pending auto close+"),
    gettext_noop("pending auto close-"),
    gettext_noop("merged"),
    gettext_noop("removed"),
    gettext_noop("1 very low"),
    gettext_noop("2 low"),
    gettext_noop("3 normal"),
    gettext_noop("4 high"),
    gettext_noop("5 very high"),
    gettext_noop("Unclassified"),
    gettext_noop("Incident"),
    gettext_noop("Service Request"),
    gettext_noop("Problem"),
)
