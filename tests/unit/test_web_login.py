"""Web sign-in: passwords are hashed (scrypt), checked in constant time, and a login name
is unique."""

from __future__ import annotations

import pytest

from kefu.bootstrap import Container
from kefu.domain.errors import InvalidInput
from kefu.services.users import (
    check_password,
    create_user,
    hash_password,
    set_login,
    sign_in,
)


def test_a_password_hash_verifies_only_the_same_password() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_password("correct horse", stored)
    assert not check_password("correct hors", stored)
    assert hash_password("correct horse") != stored  # a fresh salt every time


def test_a_damaged_or_missing_hash_never_verifies() -> None:
    assert not check_password("x", None)
    assert not check_password("x", "scrypt$garbage")
    assert not check_password("x", "md5$1$1$1$00$00")


def test_sign_in_by_login_and_password(container: Container) -> None:
    ctx = container.ctx
    record, _ = create_user(ctx, "admin", "Ada", login="Ada", password="s3cret-pass")
    actor = sign_in(ctx, "  ADA ", "s3cret-pass")  # logins are case-insensitive, trimmed
    assert actor is not None and actor.user_id == record.id and actor.role.value == "admin"
    assert sign_in(ctx, "ada", "wrong-password") is None
    assert sign_in(ctx, "nobody", "s3cret-pass") is None


def test_a_login_is_unique_and_a_password_long_enough(container: Container) -> None:
    ctx = container.ctx
    create_user(ctx, "admin", "Ada", login="ada", password="s3cret-pass")
    with pytest.raises(InvalidInput, match="taken"):
        create_user(ctx, "supervisor", "Another", login="ADA", password="s3cret-pass")
    with pytest.raises(InvalidInput, match="at least"):
        create_user(ctx, "supervisor", "Bo", login="bo", password="short")
    record, _ = create_user(ctx, "supervisor", "Bo")
    assert record.id is not None
    set_login(ctx, record.id, "bo", "another-pass")
    assert sign_in(ctx, "bo", "another-pass") is not None
