"""OTRS/Znuny GenericInterface compatibility: the GenericTicketConnectorREST operations
under ``/otrs/nph-genericinterface.pl/Webservice/<Name>/…`` (and ``/znuny/…``), so that
clients written for Znuny (pyotrs, pyznuny, otobo-znuny, scripts) keep working.

``transport`` reads the request as Znuny's REST transport does and picks the operation
by route; ``routes`` holds the built-in route sets and the admin-defined webservices;
the operations (``session``, ``ticket_*``) are thin callers of the tickets' actions,
the permission module and the search module; ``names`` maps OTRS names and IDs onto
Sportello's rows.
"""
