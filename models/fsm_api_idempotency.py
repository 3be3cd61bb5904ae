# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import json
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models

from .res_users_apikeys import ensure_apikey_foreign_key

TTL_PARAM = "fieldservice_jobs.api_idempotency_ttl_hours"
TTL_DEFAULT = 24  # hours


class FsmApiIdempotency(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed to retries of the same
    request with the same API key. Written in the request's own transaction: stored if and only if the
    write happened; looked up only after the key, its scope and the model were checked."""

    _name = "fsm.api.idempotency"
    _description = "Field Service REST API Idempotency Key"
    _log_access = False

    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade")
    apikey_id = fields.Many2one("res.users.apikeys", string="API Key", index=True, ondelete="cascade")
    key = fields.Char(required=True)
    request_hash = fields.Char(required=True)
    status = fields.Integer(required=True)
    response = fields.Text(required=True)
    headers = fields.Text()
    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)

    _sql_constraints = [
        ("apikey_key_uniq", "unique(apikey_id, key)", "An idempotency key is used once per API key."),
    ]

    def init(self):
        ensure_apikey_foreign_key(self.env.cr, self._table)

    @api.model
    def _ttl(self):
        hours = int(self.env["ir.config_parameter"].sudo().get_param(TTL_PARAM, TTL_DEFAULT) or TTL_DEFAULT)
        return timedelta(hours=hours)

    @api.model
    def _lookup(self, key):
        """The stored answer for this Idempotency-Key of the request's API key (context
        ``fsj_api_key_id``), or an empty recordset; an expired one is dropped (the key may be reused)."""
        store = self.sudo()
        found = store.search([("apikey_id", "=", self.env.context.get("fsj_api_key_id")), ("key", "=", key)], limit=1)
        if found and found.date < fields.Datetime.now() - self._ttl():
            found.unlink()
            return store
        return found

    def _replay_headers(self):
        self.ensure_one()
        return [tuple(header) for header in json.loads(self.headers or "[]")]

    @api.model
    def _store(self, key, request_hash, status, body, headers):
        """Store the answer in the request's transaction (so it is kept if and only if the write is
        committed). A concurrent request with the same key waits on the unique index until the first
        one commits; then this returns the first one's stored answer (the caller replays it and drops
        its own work), else an empty recordset."""
        values = {
            "user_id": self.env.uid,
            "apikey_id": self.env.context.get("fsj_api_key_id"),
            "key": key,
            "request_hash": request_hash,
            "status": status,
            "response": body,
            "headers": json.dumps([list(header) for header in headers]),
        }
        try:
            with self.env.cr.savepoint(flush=True):
                self.sudo().create(values)
        except psycopg2.errors.UniqueViolation:
            self.env.cr.rollback()  # the same key was just committed by a concurrent request
            found = self._lookup(key)
            if not found:
                raise
            return found
        return self.sudo().browse()

    @api.autovacuum
    def _gc_idempotency(self):
        self.sudo().search([("date", "<", fields.Datetime.now() - self._ttl())]).unlink()
