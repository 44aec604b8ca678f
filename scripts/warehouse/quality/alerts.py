"""Alerts: at most one message per run, when the run failed, a quality
dimension fell below its threshold, or an anomaly was found.

The message is Slack-compatible JSON (``text`` for any incoming webhook, and
``blocks``), posted to WAREHOUSE_ALERT_WEBHOOK when it is set; transient
failures (no connection, a timeout, HTTP 429 or 5xx) are retried with
exponential backoff and jitter, each retry logged. Every alert is recorded in
audit.dq_alerts, sent or not; without a webhook it is only recorded.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psycopg
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from warehouse.quality import store

WEBHOOK_VARIABLE = "WAREHOUSE_ALERT_WEBHOOK"
ATTEMPTS = 4
TIMEOUT_S = 10
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reason:
    kind: str  # run_failed, below_threshold, anomaly
    text: str


@dataclass
class AlertOutcome:
    status: str  # sent, failed, recorded
    attempts: int = 0
    response_code: int | None = None
    error: str | None = None
    retries: list[str] = field(default_factory=list)


def payload(run_id: str, database: str, reasons: list[Reason], report: str | None) -> dict:
    """The Slack-compatible message of a run's alert."""
    failed = any(r.kind == "run_failed" for r in reasons)
    title = f"Warehouse run {run_id} {'failed' if failed else 'needs attention'}"
    lines = [f"• {r.text}" for r in reasons]
    text = f"{title} ({database})\n" + "\n".join(lines)
    if report:
        text += f"\nReport: {report}"
    context = f"database {database}" + (f" · {report}" if report else "")
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": context}],
        },
    ]
    return {"text": text, "blocks": blocks}


class _WebhookBusy(Exception):
    """The webhook did not answer or asked to be retried (429, 5xx). Internal:
    send() retries it and records the outcome; it never reaches the user."""


class _WebhookRefused(Exception):
    """The webhook refused the message (4xx other than 429). Internal, like
    _WebhookBusy: send() records it as a failed alert."""


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 429 or exc.code >= 500:
            raise _WebhookBusy(f"HTTP {exc.code} {exc.reason}") from None
        raise _WebhookRefused(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _WebhookBusy(f"no answer: {reason}") from None


def send(url: str, message: dict, wait_multiplier: float = 0.5) -> AlertOutcome:
    """POST ``message`` to ``url``, retrying transient failures."""
    outcome = AlertOutcome("failed")
    body = json.dumps(message).encode()

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        note = f"attempt {state.attempt_number} failed ({error}); retrying"
        outcome.retries.append(note)
        log.warning("alert webhook %s: %s", urlsplit(url).netloc, note)

    @retry(
        retry=retry_if_exception(lambda exc: isinstance(exc, _WebhookBusy)),
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_random_exponential(multiplier=wait_multiplier, max=8),
        before_sleep=before_sleep,
        reraise=True,
    )
    def attempt() -> int:
        outcome.attempts += 1
        return _post(url, body)

    try:
        outcome.response_code = attempt()
        outcome.status = "sent"
    except (_WebhookBusy, _WebhookRefused) as exc:
        outcome.error = str(exc)
    return outcome


def alert(
    conn: psycopg.Connection,
    run_id: str,
    database: str,
    reasons: list[Reason],
    report: str | None,
    webhook: str | None,
    sender: Callable[[str, dict], AlertOutcome] = send,
) -> AlertOutcome | None:
    """Record (and send, with a webhook) the run's one alert; None without reasons."""
    if not reasons:
        return None
    message = payload(run_id, database, reasons, report)
    outcome = sender(webhook, message) if webhook else AlertOutcome("recorded")
    store.ensure_tables(conn)
    with conn.transaction():
        store.insert_records(
            conn,
            "dq_alerts",
            [
                {
                    "run_id": run_id,
                    "reasons": [{"kind": r.kind, "text": r.text} for r in reasons],
                    "payload": message,
                    "destination": urlsplit(webhook).netloc if webhook else None,
                    "status": outcome.status,
                    "attempts": outcome.attempts,
                    "response_code": outcome.response_code,
                    "error": outcome.error,
                }
            ],
        )
    return outcome
