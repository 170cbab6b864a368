"""The `kefu` command line (SPEC §14 fixes the commands and their options)."""

from __future__ import annotations

import logging
import sys

import click

import kefu
from kefu.config import Settings
from kefu.domain.errors import DomainError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _container() -> object:
    from kefu.bootstrap import build

    return build(Settings())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(kefu.__version__, prog_name="kefu")
def main() -> None:
    """kefu (客服): omnichannel customer service."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from kefu.store.migrate import upgrade

    settings = Settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(settings.resolved_database_url)
    except Exception as exc:
        _fail(f"migration failed: {type(exc).__name__}: {exc}")
    click.echo("database is at the newest schema")


@main.group()
def user() -> None:
    """API token holders."""


@user.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["customer", "agent", "supervisor", "admin", "integration"]),
)
@click.option("--name", required=True)
@click.option("--uid", default=None, help="For --role customer: the customer's UID.")
@click.option(
    "--team",
    "teams",
    multiple=True,
    help="For --role agent: the agent's team(s); creates the agent.",
)
@click.option("--agent-id", type=int, default=None, help="For --role agent: an existing agent.")
def user_create(
    role: str, name: str, uid: str | None, teams: tuple[str, ...], agent_id: int | None
) -> None:
    """Create a user and print its API token alone on the last line."""
    from kefu.bootstrap import build
    from kefu.services import org
    from kefu.services.setup import prepare
    from kefu.services.users import create_user

    container = build(Settings())
    try:
        ok, checks = container.readiness()
        if not ok:
            _fail(f"the database is not ready ({checks}); run `kefu db upgrade` first")
        if role == "agent" and agent_id is None:
            prepare(container.ctx)
            agent = org.create_agent(container.ctx, None, name, list(teams) or ["general"])
            agent_id = agent.id
        record, token = create_user(container.ctx, role, name, customer_uid=uid, agent_id=agent_id)
    except DomainError as exc:
        _fail(exc.message)
    finally:
        container.close()
    click.echo(f"created {record.role} '{record.name}' (user {record.id})")
    click.echo(token)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the API (embedded mode migrates the SQLite database first)."""
    settings = Settings()
    if settings.is_sqlite:
        from kefu.store.migrate import upgrade

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.resolved_database_url)
    _serve(host, port)


def _serve(host: str, port: int) -> None:
    import uvicorn

    from kefu.services.setup import prepare
    from kefu.web.app import create_app

    app = create_app()
    container = app.state.container
    ok, checks = container.readiness()
    if ok:
        prepare(container.ctx)
    else:
        click.echo(f"warning: not ready yet: {checks}", err=True)
    timers = None
    if container.db.is_sqlite:  # embedded mode has no `kefu worker`: fire timers in-process
        from kefu.jobs.timers import TimerThread

        timers = TimerThread(container.ctx, container.timer_handlers)
        timers.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        if timers is not None:
            timers.stop()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo and print tokens, then exit.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate, load demo data, print URLs and tokens, and serve."""
    from kefu.bootstrap import build
    from kefu.demo import load_demo
    from kefu.store.migrate import upgrade

    settings = Settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    container = build(settings)
    try:
        summary = load_demo(container.ctx)
    finally:
        container.close()
    base = f"http://{host}:{port}"
    click.echo(
        f"kefu demo — {summary.tickets} tickets, {summary.customers} customers, "
        f"{summary.agents} agents"
    )
    click.echo(f"  API docs:   {base}/docs")
    click.echo(f"  OpenAPI:    {base}/openapi.json")
    click.echo(f"  readiness:  {base}/readyz")
    click.echo("  tokens (Authorization: Bearer <token>):")
    for label, token in summary.tokens.items():
        click.echo(f"    {label:<34} {token}")
    click.echo(
        f"  try: curl -H 'Authorization: Bearer {summary.tokens['admin']}' "
        f"'{base}/api/v1/tickets?limit=5'"
    )
    if not no_serve:
        _serve(host, port)


@main.command()
@click.option("--interval", default=1.0, show_default=True, help="Seconds between sweeps.")
@click.option("--once", is_flag=True, help="Relay and fire what is pending, then exit.")
@click.option(
    "--batch",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="Timers fired per transaction.",
)
def worker(interval: float, once: bool, batch: int) -> None:
    """Background worker: relays the outbox and fires due timers (run one or more)."""
    from kefu.bootstrap import build
    from kefu.jobs.timers import run_worker

    container = build(Settings())
    try:
        run_worker(
            container.ctx,
            container.timer_handlers,
            container.relay.drain,
            interval=interval,
            batch=batch,
            once=once,
        )
    except KeyboardInterrupt:
        pass
    finally:
        container.close()
