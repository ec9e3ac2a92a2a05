"""Flask commands: init-db, tokens, users and the audit-chain check."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app import cli_worker
from app.errors import AppError
from app.extensions import current_db


def _fail(exc: AppError) -> None:
    raise click.ClickException(exc.detail)


def register(app: Flask) -> None:
    from app import hubsim

    cli_worker.register(app)
    hubsim.register_cli(app)

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the schema (idempotent)."""
        from app.services import audit, schema

        database = current_db()
        revision = schema.upgrade(database.engine)
        with database.write() as session:
            audit.ensure_head(session)
        click.echo(f"database ready at revision {revision}", err=True)

    tokens = AppGroup("tokens", help="API tokens.")
    app.cli.add_command(tokens)

    @tokens.command("create")
    @click.option("--name", required=True)
    @click.option("--role", required=True)
    @click.option("--scope", "scope", default=None, help="Line GLN a line token is limited to.")
    def tokens_create(name: str, role: str, scope: str | None) -> None:
        """Create a token; prints only the token."""
        from app.services.security import create_token

        try:
            click.echo(create_token(current_db(), name=name, role=role, scope_gln=scope))
        except AppError as exc:
            _fail(exc)

    @tokens.command("revoke")
    @click.option("--name", required=True)
    def tokens_revoke(name: str) -> None:
        from app.services.security import revoke_token

        try:
            revoke_token(current_db(), name=name)
        except AppError as exc:
            _fail(exc)
        click.echo(f"token {name} revoked", err=True)

    users = AppGroup("users", help="Web UI users.")
    app.cli.add_command(users)

    @users.command("create")
    @click.option("--username", required=True)
    @click.option("--role", required=True)
    @click.option("--password", default=None, help="Prompted (hidden, twice) when not given.")
    def users_create(username: str, role: str, password: str | None) -> None:
        from app.services.security import create_user

        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user_id = create_user(current_db(), username=username, role=role, password=password)
        except AppError as exc:
            _fail(exc)
        click.echo(f"user {username} created (id {user_id})", err=True)

    audit_group = AppGroup("audit", help="Audit trail.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Recompute the hash chain; exit 1 at the first tampered entry."""
        from app.services import audit

        with current_db().read() as session:
            report = audit.verify(session)
        if not report.ok:
            raise click.ClickException(
                f"audit chain broken at entry {report.first_bad_seq}: {report.problem} "
                f"({report.entries} entries verified before it)"
            )
        click.echo(f"audit chain intact: {report.entries} entries")
