"""The `kefu` command line (SPEC §14 fixes the commands and their options)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

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
@click.option("--login", default=None, help="A web sign-in name for the pages.")
@click.option(
    "--password",
    default=None,
    help="With --login: the password (prompted for when omitted).",
)
def user_create(
    role: str,
    name: str,
    uid: str | None,
    teams: tuple[str, ...],
    agent_id: int | None,
    login: str | None,
    password: str | None,
) -> None:
    """Create a user and print its API token alone on the last line."""
    if login and password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
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
        record, token = create_user(
            container.ctx,
            role,
            name,
            customer_uid=uid,
            agent_id=agent_id,
            login=login,
            password=password if login else None,
        )
    except DomainError as exc:
        _fail(exc.message)
    finally:
        container.close()
    click.echo(f"created {record.role} '{record.name}' (user {record.id})")
    click.echo(token)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--smtp-port",
    default=2525,
    show_default=True,
    type=click.IntRange(min=0, max=65535),
    help="SMTP listener for feedback@/legal@ mail; 0 disables it.",
)
def serve(host: str, port: int, smtp_port: int) -> None:
    """Serve the API and the SMTP listener (embedded mode migrates SQLite first)."""
    settings = Settings()
    if settings.is_sqlite:
        from kefu.store.migrate import upgrade

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.resolved_database_url)
    source = click.get_current_context().get_parameter_source("smtp_port")
    _serve(host, port, smtp_port, smtp_required=source is not click.core.ParameterSource.DEFAULT)


def _warm_classifier(classifier: object) -> None:
    """Load (or train, on the first start) the triage model while the server comes up."""
    import threading

    warm = getattr(classifier, "warm", None)
    if warm is not None:
        threading.Thread(target=warm, name="kefu-classifier-warm", daemon=True).start()


def _serve(host: str, port: int, smtp_port: int = 2525, *, smtp_required: bool = False) -> None:
    import uvicorn

    from kefu.channels.email.commands import start_with_server
    from kefu.services.setup import prepare
    from kefu.web.app import create_app

    app = create_app()
    container = app.state.container
    ok, checks = container.readiness()
    if ok:
        prepare(container.ctx)
    else:
        click.echo(f"warning: not ready yet: {checks}", err=True)
    _warm_classifier(container.ctx.classifier)
    timers = None
    if container.db.is_sqlite:  # embedded mode has no `kefu worker`: fire timers in-process
        from kefu.jobs.timers import TimerThread

        timers = TimerThread(container.ctx, container.timer_handlers)
        timers.start()
        from kefu.jobs.routing import start_dispatcher

        start_dispatcher(container)  # and no `kefu worker` to assign work either
    try:
        email = start_with_server(container, host, smtp_port, required=smtp_required)
    except RuntimeError as exc:
        _fail(str(exc))
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        email.stop()
        if timers is not None:
            timers.stop()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo and print tokens, then exit.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate, load demo data, print URLs and tokens, and serve."""
    from kefu.bootstrap import build
    from kefu.demo import DEMO_PASSWORD, load_demo
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
    click.echo(f"  web pages:  {base}/login  (password for every demo login: {DEMO_PASSWORD})")
    for login, who in summary.logins.items():
        click.echo(f"    {login:<12} {who}")
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
    """Background worker: relays the outbox, fires due timers and assigns waiting work to
    agents (run one or more)."""
    from kefu.bootstrap import build
    from kefu.jobs.chat import start_chat
    from kefu.jobs.routing import dispatch_until_idle, start_dispatcher
    from kefu.jobs.timers import run_worker

    container = build(Settings())
    try:
        if not once:
            start_dispatcher(container, interval)
            start_chat(container.extras)  # chat replies and rating requests, with a sweep
        run_worker(
            container.ctx,
            container.timer_handlers,
            container.relay.drain,
            interval=interval,
            batch=batch,
            once=once,
        )
        if once:
            dispatch_until_idle(container.ctx)
    except KeyboardInterrupt:
        pass
    finally:
        container.close()


@main.command()
def classify() -> None:
    """One text per stdin line → one JSON object per stdout line.

    Each object has `label` (a subcategory code), `confidence`, `confident` (at or above
    the threshold of policies/triage.toml), `top3`, `handoff` (this text, as the first
    message of an in-app chat, goes straight to a human) and `handoff_reasons`. An empty
    line gives `{"error": {...}, "line": n}`.
    """
    from kefu.bootstrap import build_classifier
    from kefu.policies import load_policies
    from kefu.triage.commands import classify_stream

    settings = Settings()
    classifier = build_classifier(settings, load_policies(settings.policy_dir))
    stdin = click.get_text_stream("stdin", encoding="utf-8", errors="replace")
    stdout = click.get_text_stream("stdout", encoding="utf-8")

    def write(line: str) -> None:
        stdout.write(line)
        stdout.flush()

    classify_stream(classifier, stdin, write)


@main.group()
def triage() -> None:
    """The triage classifier."""


@triage.command("train")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Model file to write (default: KEFU_DATA_DIR/models/classifier.pkl).",
)
@click.option(
    "--folds",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Cross-validation folds for the printed figures (0 or 1: skip).",
)
@click.option(
    "--corpus-only",
    is_flag=True,
    help="Train without agent corrections (when there is no database to read them from).",
)
def triage_train(out: Path | None, folds: int, corpus_only: bool) -> None:
    """Train on the shipped corpus plus stored agent corrections; write the model file."""
    from kefu.bootstrap import build
    from kefu.services.triage import corrections
    from kefu.triage.commands import train_and_report
    from kefu.triage.policy import load_triage_policy

    settings = Settings()
    container = build(settings)
    try:
        stored = []
        if not corpus_only:
            try:
                stored = corrections(container.ctx)
            except Exception as exc:  # unreachable, or not migrated to 0005_triage
                _fail(
                    f"cannot read the agent corrections ({type(exc).__name__}: {exc}"[:400]
                    + "): run `kefu db upgrade`, or pass --corpus-only"
                )
        policy = load_triage_policy(settings.policy_dir)
        target = out or settings.resolved_classifier_path
        train_and_report(policy, container.ctx.policies.taxonomy, stored, target, folds, click.echo)
    finally:
        container.close()


@main.group()
def email() -> None:
    """The email channel: IMAP polling, the mail worker."""


@email.command("poll")
@click.option("--once", is_flag=True, help="Poll once, process what came, then exit.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between polls.")
def email_poll(once: bool, interval: float) -> None:
    """Fetch new mail from the IMAP mailbox of KEFU_IMAP_* into tickets."""
    from kefu.bootstrap import build
    from kefu.channels.email.commands import imap_config, poll

    settings = Settings()
    try:
        config = imap_config(settings)
    except ValueError as exc:
        _fail(str(exc))
    container = build(settings)
    try:
        n = poll(container, config, once=once, interval=interval)
        click.echo(f"{n} new mails stored")
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        _fail(f"IMAP poll failed: {type(exc).__name__}: {exc}")
    finally:
        container.close()


@email.command("work")
@click.option("--once", is_flag=True, help="Process and send what is pending, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between sweeps.")
def email_work(once: bool, interval: float) -> None:
    """Turn stored mail into tickets and send queued mail (beside `kefu serve`)."""
    from kefu.bootstrap import build
    from kefu.channels.email.commands import work

    container = build(Settings())
    try:
        work(container, once=once, interval=interval)
    except KeyboardInterrupt:
        pass
    finally:
        container.close()
