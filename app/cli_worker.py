"""The `worker` command: runs scheduled subscriptions and delivers the outbox, once or in a loop."""

from __future__ import annotations

import signal
from types import FrameType

import click
from flask import Flask

from app.extensions import current_db


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Work until nothing is due, then exit.")
    @click.option("--interval", default=2.0, show_default=True, type=float, help="Seconds to wait when idle.")
    @click.option("--limit", default=50, show_default=True, type=int, help="Messages claimed per pass.")
    @click.option("--timeout", default=10.0, show_default=True, type=float, help="HTTP timeout in seconds.")
    @click.option("--lease", default=30.0, show_default=True, type=float, help="Seconds a claim outlives its timeouts.")
    def worker_command(once: bool, interval: float, limit: int, timeout: float, lease: float) -> None:
        """Deliver outbox messages (with retries and backoff) and run due scheduled subscriptions."""
        from app.services import worker

        stopping = False

        def stop(_signum: int, _frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True  # finish the message in hand, then leave

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        policy = worker.RetryPolicy(timeout=timeout, lease=lease)
        try:
            total = worker.run(
                current_db(), once=once, interval=interval, limit=limit, policy=policy, should_stop=lambda: stopping
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        click.echo(
            f"worker stopped: {total.delivered} delivered, {total.failed} failed, "
            f"{total.needs_attention} need attention",
            err=True,
        )
