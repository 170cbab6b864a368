"""What the `kefu` command line does for email (cli.py declares the options)."""

from __future__ import annotations

import logging
import time
from typing import Any

from kefu.channels.email import adapter
from kefu.channels.email.imap import ImapConfig, ImapPoller
from kefu.channels.email.runtime import EmailChannel, run_once

log = logging.getLogger(__name__)


def channel_of(container: Any) -> EmailChannel:
    channel: EmailChannel = container.extras["email"]
    return channel


def start_with_server(container: Any, host: str, smtp_port: int, *, required: bool) -> EmailChannel:
    """`kefu serve`: the email worker always, the SMTP listener unless the port is 0.
    A listener that cannot bind fails the start when the port was asked for explicitly,
    and is only logged when it is the default."""
    channel = channel_of(container)
    channel.start_worker(container.bus)
    if smtp_port:
        try:
            listener = channel.start_listener(host, smtp_port)
            log.info("SMTP listener on %s:%d", host, listener.port)
        except (OSError, RuntimeError) as exc:
            if required:
                channel.stop()
                raise RuntimeError(f"SMTP listener on {host}:{smtp_port}: {exc}") from exc
            log.error("no SMTP listener (%s:%d: %s); email intake is off", host, smtp_port, exc)
    return channel


def imap_config(settings: Any) -> ImapConfig:
    if not settings.imap_host:
        raise ValueError("set KEFU_IMAP_HOST (and KEFU_IMAP_USER, KEFU_IMAP_PASSWORD)")
    return ImapConfig(
        host=settings.imap_host,
        port=settings.imap_port,
        user=settings.imap_user or "",
        password=settings.imap_password or "",
        use_ssl=settings.imap_ssl,
        folder=settings.imap_folder,
        move_to=settings.imap_move_to,
    )


def poll(container: Any, config: ImapConfig, *, once: bool, interval: float) -> int:
    """Fetch new mail from the mailbox, then turn it into tickets and send the replies."""
    channel = channel_of(container)
    ctx = channel.ctx
    poller = ImapPoller(config, lambda raw: adapter.accept(ctx, raw, source="imap"))
    total = 0
    while True:
        try:
            n = poller.poll_once()
            total += n
            if n:
                log.info("IMAP: %d new mails stored", n)
        except Exception as exc:
            if once:
                raise
            log.warning("IMAP poll failed: %s; retrying in %.0f s", exc, interval)
        run_once(ctx, channel.setup, channel.transport)
        if once:
            return total
        time.sleep(interval)


def work(container: Any, *, once: bool, interval: float) -> None:
    """Process stored mail and send queued mail (for processes that do not `serve`)."""
    channel = channel_of(container)
    if once:
        run_once(channel.ctx, channel.setup, channel.transport)
        return
    worker = channel.start_worker(container.bus)
    worker.interval = interval
    try:
        while worker.is_alive():
            worker.join(1.0)
    finally:
        channel.stop()
