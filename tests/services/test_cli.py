"""Flask commands: init-db is idempotent, tokens print only the token, users prompt for a password."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from app.models import User
from app.services import schema, security


def test_init_db_is_idempotent(app: Flask) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"database ready at revision {schema.head_revision()}" in result.stderr


def test_tokens_create_prints_only_the_token(app: Flask, database: Any) -> None:
    result = app.test_cli_runner().invoke(
        args=["tokens", "create", "--name", "line-7", "--role", "line", "--scope", "9506000000008"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.startswith("cst_")
    principal = security.authenticate(database, f"Bearer {token}")
    assert principal == security.Principal("token:line-7", security.Role.LINE, "9506000000008")


def test_tokens_create_rejects_unknown_role(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--name", "x", "--role", "boss"])
    assert result.exit_code == 1
    assert "unknown role 'boss'; expected one of: admin, erp, line, logistics, qa, regulator" in result.output


def test_users_create_with_prompt(app: Flask, database: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--username", "ana", "--role", "logistics"],
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert result.exit_code == 0, result.output
    with database.read() as session:
        user = session.scalar(select(User).where(User.username == "ana"))
        assert user is not None and "correct horse" not in user.password_hash
    assert security.check_password(database, "ana", "correct horse battery") is not None
    assert security.check_password(database, "ana", "wrong password!") is None
    short = runner.invoke(args=["users", "create", "--username", "bo", "--role", "qa", "--password", "short"])
    assert short.exit_code == 1
    assert "password must have at least 10 characters" in short.output
