from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sportello.customers.models import CustomerCompany, CustomerUser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    out = io.StringIO()
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("customer", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_add_is_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    output = run(
        "add", "anna", "--email", "anna@uni.example.org", "--company", "FAC-PHYS",
        "--first-name", "Anna", "--password-stdin",
        stdin="Correct-Horse-7-battery\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert output.strip() == "customer anna created"
    anna = CustomerUser.objects.get(login="anna")
    assert anna.check_password("Correct-Horse-7-battery")
    assert anna.company == CustomerCompany.objects.get(customer_id="FAC-PHYS")
    assert anna.first_name == "Anna"
    output = run("add", "anna", "--email", "anna.alt@uni.example.org")
    assert output.strip() == "customer anna updated"
    anna.refresh_from_db()
    assert anna.email == "anna.alt@uni.example.org"
    assert anna.check_password("Correct-Horse-7-battery")  # untouched without --password-stdin
    assert anna.company is not None and anna.first_name == "Anna"
    assert CustomerUser.objects.count() == 1 and CustomerCompany.objects.count() == 1


def test_add_without_password_cannot_log_in() -> None:
    run("add", "bruno", "--email", "bruno@uni.example.org")
    bruno = CustomerUser.objects.get(login="bruno")
    assert not bruno.has_usable_password() and not bruno.check_password("")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "x", "--email", "not-an-address"], "", "Invalid email address"),
        (["add", "with space", "--email", "a@b.org"], "", "must not be empty"),
        (["add", "y", "--email", "a@b.org", "--password-stdin"], "\n", "no password on stdin"),
        (["add", "y", "--email", "a@b.org", "--password-stdin"], "123\n", "too short"),
    ],
)
def test_add_errors(
    args: list[str], stdin: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args, stdin=stdin, monkeypatch=monkeypatch)
    assert not CustomerUser.objects.exists()


def test_import_csv(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "login,email,first_name,last_name,phone,company,language\n"
        "anna,anna@uni.example.org,Anna,Alt,+39 1,FAC-PHYS,it\n"
        "bruno,bruno@uni.example.org,Bruno,Bau,,,de\n",
        encoding="utf-8",
    )
    assert run("import", str(path)).strip() == "2 created, 0 updated, 0 errors"
    assert run("import", str(path)).strip() == "0 created, 2 updated, 0 errors"
    anna = CustomerUser.objects.get(login="anna")
    assert (anna.language, anna.phone, anna.company.customer_id) == ("it", "+39 1", "FAC-PHYS")  # type: ignore[union-attr]
    assert CustomerUser.objects.count() == 2


def test_import_reports_bad_rows_and_keeps_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "login,email\nanna,anna@uni.example.org\nbad,not-an-address\n,x@y.org\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="some rows were not imported"):
        call_command("customer", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 3: Invalid email address: not-an-address" in err.getvalue()
    assert "line 4:" in err.getvalue()
    assert list(CustomerUser.objects.values_list("login", flat=True)) == ["anna"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,mail\nx,y\n", "lacks the columns: email, login"),
        ("login,email,shoe_size\n", "Unknown CSV columns: shoe_size"),
        (b"login,email\n\xff\xfe\n", "is not UTF-8"),
    ],
)
def test_import_errors(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "customers.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("import", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        run("import", str(tmp_path / "missing.csv"))
