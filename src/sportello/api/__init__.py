"""The native REST API under ``/api/v1/`` (django-ninja): personal API tokens, the error
envelope, and thin endpoints over the tickets' selectors and actions."""
