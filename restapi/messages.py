# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Notes in a record's chatter through the API: POST /object/<model>/<id>/messages. A migration keeps
the note's original date and author (seed 002: "service history notes ... with original timestamps")."""

from markupsafe import Markup, escape

from .parsing import ApiError
from .values import value_to_orm

MAX_BODY_CHARS = 100_000
KEYS = ("body", "date", "author_email", "author_name", "html")


def post(api, record, body):
    """A note (internal, notifies nobody) on ``record``, as the key's user: posting needs what Odoo's
    chatter needs (the record's write access for most models)."""
    if "message_post" not in dir(record):
        raise ApiError(404, "no_chatter", f"{api.name} records have no chatter.")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.")
    unknown = sorted(set(body) - set(KEYS))
    if unknown:
        raise ApiError(400, "unknown_field", f"Unknown field(s): {', '.join(unknown)}.", {"fields": unknown})
    text = body.get("body")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_BODY_CHARS:
        raise ApiError(422, "invalid_value", f"body must be a non-empty string of at most {MAX_BODY_CHARS} characters.")
    for key in ("author_email", "author_name"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise ApiError(422, "invalid_value", f"{key} must be a string.", {"field": key})
    values = {}
    if body.get("date") is not None:
        values["date"] = value_to_orm("date", {"type": "datetime"}, body["date"])
    # html: sanitized by mail.message; plain text: escaped, lines kept
    content = Markup(text) if body.get("html") else Markup("<br/>").join(escape(line) for line in text.splitlines())
    author = _author(api.env, body.get("author_email"))
    if author:
        values["author_id"] = author.id
    elif body.get("author_email") or body.get("author_name"):
        name, email = (body.get("author_name") or "").strip(), (body.get("author_email") or "").strip()
        values["author_id"] = False
        values["email_from"] = f'"{name}" <{email}>' if name and email else (email or name)
    record.check_access("write")
    message = record.with_context(mail_post_autofollow=False).message_post(
        body=content, message_type="comment", subtype_xmlid="mail.mt_note", **values
    )
    return {"id": message.id, "date": str(message.date), "author_id": message.author_id.id or None}


def _author(env, email):
    if not email or not isinstance(email, str):
        return env["res.partner"]
    return env["res.partner"].search([("email", "=ilike", email.strip())], limit=1)
