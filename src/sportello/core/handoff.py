"""Whether this process hands background work to the job queue right after commit.

Work that must happen later (sending an outbox message, indexing a ticket) is stored in
the database inside the transaction that causes it, and the minute jobs pick up whatever
is left. Handing it to the job queue after commit only makes it happen sooner. The MTA
pipe turns this off: it files one message and exits, and loading the job queue (Huey, the
Redis client) would cost more than filing the message; its auto-responses and index
updates go out with the next minute's jobs.
"""

from __future__ import annotations

after_commit = True
