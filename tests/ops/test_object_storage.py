"""Stored files on an S3-compatible object store (django-storages), against moto's S3
server on loopback; ``sportello move_files`` between the file system and the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.mail.ingest import ingest_message
from sportello.ops.files import stored_names
from sportello.tickets.models import Article, Attachment, Ticket
from tests.mail.messages import mail
from tests.ops.postfix import free_port

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "sportello-files"
CREDENTIALS = {"access_key": "testing-key", "secret_key": "testing-secret"}


@pytest.fixture
def s3(settings: Any) -> Iterator[Any]:
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "s3": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "location": "media",
                "file_overwrite": False,
                "default_acl": None,
                **CREDENTIALS,
            },
        },
    }
    settings.SPORTELLO_RAW_IN_DATABASE_MAX = 0  # raw mails as stored files too
    try:
        yield client
    finally:
        server.stop()


def _keys(client: Any) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def _file(number: int) -> bytes:
    return f"attachment {number} ".encode() * 100


@pytest.mark.django_db
def test_files_move_to_the_object_store_and_are_served_from_it(s3: Any, settings: Any) -> None:
    first = ingest_message(mail(attachments=[("one.bin", "application/octet-stream", _file(1))]))
    filesystem = storages["filesystem"]
    names = sorted(stored_names(filesystem))
    assert any(name.startswith("attachments/") for name in names)
    assert any(name.startswith("raw/") for name in names)

    call_command("move_files", "--from", "filesystem", "--to", "s3")
    assert sorted(stored_names(filesystem)) == []
    assert _keys(s3) == {f"media/{name}" for name in names}

    settings.STORAGES = {**settings.STORAGES, "default": settings.STORAGES["s3"]}
    attachment = Attachment.objects.get(filename="one.bin")
    with attachment.file.open("rb") as handle:
        assert handle.read() == _file(1)
    article = Article.objects.get(pk=attachment.article_id)
    with article.raw_source.open("rb") as handle:
        assert b"Subject: WLAN geht nicht" in handle.read()

    # New mail goes to the store; an agent downloads from it through the usual view.
    ingest_message(mail(attachments=[("two.bin", "application/octet-stream", _file(2))]))
    second = Attachment.objects.get(filename="two.bin")
    assert f"media/{second.file.name}" in _keys(s3)
    ticket = Ticket.objects.get(number=first.ticket)
    agent = User.objects.create_user("s3-agent", "s3@example.org", "x" * 12)
    provisioning.grant(ticket.queue.group, "ro", agent=agent)
    client = Client()
    client.force_login(agent)
    response = client.get(f"/ticket/{ticket.number}/attachment/{attachment.pk}/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == _file(1)
    ready = Client().get("/readyz").json()
    assert ready["checks"]["storage"] == "ok"

    # And back, keeping the copies in the store this time.
    settings.STORAGES = {**settings.STORAGES, "default": settings.STORAGES["filesystem"]}
    call_command("move_files", "--from", "s3", "--to", "filesystem", "--keep")
    back = Attachment.objects.get(filename="two.bin")
    with back.file.open("rb") as handle:
        assert handle.read() == _file(2)
    assert f"media/{back.file.name}" in _keys(s3)
    # Run again: everything is there already, nothing copied twice.
    call_command("move_files", "--from", "s3", "--to", "filesystem", "--keep")
    assert len(list(stored_names(filesystem))) == len(_keys(s3))


@pytest.mark.django_db
def test_move_refuses_the_same_or_an_unknown_store(settings: Any) -> None:
    with pytest.raises(CommandError, match="same"):
        call_command("move_files", "--from", "filesystem", "--to", "filesystem")
    settings.STORAGES = {k: v for k, v in settings.STORAGES.items() if k != "s3"}
    with pytest.raises(CommandError, match="unknown store"):
        call_command("move_files", "--from", "filesystem", "--to", "s3")


def test_s3_settings_from_the_environment(tmp_path: Any) -> None:
    import subprocess
    import sys

    script = (
        "from django.conf import settings; import json; "
        "print(json.dumps([settings.STORAGES['default']['BACKEND'], "
        "settings.STORAGES['s3']['OPTIONS']['bucket_name']]))"
    )
    env = {
        "PATH": os.environ["PATH"],
        "SPORTELLO_SECRET_KEY": "k" * 50,
        "SPORTELLO_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "sportello.settings",
        "SPORTELLO_STORAGE": "s3",
        "SPORTELLO_S3_BUCKET": "b1",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == '["storages.backends.s3.S3Storage", "b1"]', done.stderr
    env.pop("SPORTELLO_S3_BUCKET")
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "SPORTELLO_STORAGE must be" in done.stderr
