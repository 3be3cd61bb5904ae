# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Webhook messages as the Standard Webhooks specification has them (https://www.standardwebhooks.com):
the body, the signature and the headers, and one HTTP attempt. No Odoo import: unit-tested without a
server (pytests/unit/test_webhooks.py checks the signatures with the ``standardwebhooks`` library).

The signature is written by hand (an HMAC-SHA256 in four lines) rather than with that library, which
would make every server install it and its own dependencies (httpx, attrs, ...) for those four lines."""

import base64
import hashlib
import hmac
import json
import time

import requests

from .values import value_from_orm

SECRET_PREFIX = "whsec_"
USER_AGENT = "fieldservice_jobs-webhooks/1.0"


def sign(secret, msg_id, timestamp, body):
    """``v1,<base64 HMAC-SHA256 of "msg_id.timestamp.body">`` with the secret's key bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def headers(secrets, msg_id, timestamp, body):
    """The headers of one attempt: every secret that signs now gives a signature (rotation)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets),
    }


def event_body(event_type, timestamp, model, res_id, record, previous, details=None):
    """The JSON body of an event: ``{"type", "timestamp", "data": {"id", "model", "record",
    "previous"}}``, and ``details`` for an event that is not a change of fields (e.g. the
    attachments added)."""
    data = {"id": res_id, "model": model, "record": record, "previous": previous}
    if details:
        data["details"] = details
    return json.dumps({"type": event_type, "timestamp": timestamp, "data": data}, separators=(",", ":"))


def previous_values(previous, api_fields):
    """The change log's old values (ORM names) under the API's names and formats, for the fields the
    reader's API has; others are left out."""
    by_orm = {}
    for api_name, (orm, desc) in api_fields.items():
        if "." not in orm:
            by_orm.setdefault(orm, []).append((api_name, desc))
    out = {}
    for orm, value in (previous or {}).items():
        for api_name, desc in by_orm.get(orm, ()):
            out[api_name] = value_from_orm(desc, value)
    return out


def post(url, headers_, body, timeout):
    """One attempt: (HTTP status or None, error or None, seconds, start of the answer). Redirects
    are not followed (a redirect could lead anywhere, private addresses included)."""
    started = time.monotonic()
    try:
        response = requests.post(url, data=body, headers=headers_, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return None, f"No answer within {timeout:g} s.", time.monotonic() - started, None
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], time.monotonic() - started, None
    text = response.text[:1000] if response.content else ""
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return response.status_code, error, time.monotonic() - started, text
