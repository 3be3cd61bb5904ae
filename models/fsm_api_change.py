# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The change log of the exposed models: the change feed reads it, and it is the webhooks' outbox.

A row per record and transaction (created, updated or deleted), written at the end of the transaction
that makes the change (one INSERT for all its changes, in a precommit hook): a rolled-back change
leaves no row, a committed one always has its row. Rows carry ``txid``, the writing transaction's id
(PostgreSQL ``txid_current()``, a column of its own: the ORM has no 64-bit integer field). Readers take
rows in (txid, id) order, and only those of transactions older than every transaction still running
(``txid_snapshot_xmin``): a transaction that started earlier but commits later can therefore never
land behind a reader's cursor, which ordering by ``write_date`` (stamped at transaction start) or by
``id`` would allow."""

import datetime
import json
import logging

from odoo import api, fields, models, tools
from odoo.tools import SQL, sql

_logger = logging.getLogger(__name__)

RETENTION_PARAM = "fieldservice_jobs.change_retention_days"
RETENTION_DEFAULT = 30  # days: tombstones and other changes are kept that long
PURGED_PARAM = "fieldservice_jobs.change_purged_txid"  # cursors at or before this position expired
ROW_SQL = "(%s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s)"  # one row of _insert_rows
CHANGES_KEY = "fieldservice_jobs.changes"  # cr.precommit.data: {(model, id): entry} of this transaction
# the rows a reader may take: committed by a transaction older than any still running, or written by
# the reader's own transaction when no transaction older than it is still running (so that its own
# rows never carry a cursor past another's)
SAFE_TXID = SQL(
    "(c.txid < txid_snapshot_xmin(s.snap) OR (c.txid = s.own AND NOT EXISTS "
    "(SELECT 1 FROM txid_snapshot_xip(s.snap) AS x(txid) WHERE x.txid < s.own)))"
)
# under HttpCase tests every request runs in the test's one transaction, which never commits: there
# the reader's own rows are the only ones it can see
SAFE_TXID_TEST_MODE = SQL("(c.txid < txid_snapshot_xmin(s.snap) OR c.txid = s.own)")


class FsmApiChange(models.Model):
    _name = "fsm.api.change"
    _description = "Field Service REST API Change"
    _order = "id desc"
    _log_access = False

    model = fields.Char(required=True, readonly=True)
    res_id = fields.Integer(string="Record ID", required=True, readonly=True)
    operation = fields.Selection(
        [("create", "Created"), ("write", "Updated"), ("unlink", "Deleted")], required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True, ondelete="set null")
    event_type = fields.Char(readonly=True, help="The webhook event of this change, if its model has events.")
    previous = fields.Json(readonly=True, help="Changed fields' values before the change (ORM names).")
    details = fields.Json(readonly=True, help="What an explicit event says (e.g. the attachments added).")
    date = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    pending = fields.Boolean(readonly=True, help="Waiting to be turned into webhook deliveries.")

    def init(self):
        self.env.cr.execute(
            "ALTER TABLE fsm_api_change ADD COLUMN IF NOT EXISTS txid bigint NOT NULL DEFAULT txid_current()"
        )
        tools.create_index(self.env.cr, "fsm_api_change_feed_index", self._table, ["model", "txid", "id"])
        tools.create_index(self.env.cr, "fsm_api_change_pending_index", self._table, ["id"], where="pending")

    # -- writing: called by the base model's create/write/unlink (models/base.py) -------------------
    @api.model
    @tools.ormcache()
    def _tracked_models(self):
        """The models whose changes are logged: the REST API's allowlist."""
        return frozenset(self.env["res.config.settings"]._fsm_jobs_api_models())

    @api.model
    @tools.ormcache()
    def _webhook_models(self):
        """The models with an active webhook subscription: only their changes capture old values and
        become deliveries."""
        if not self.pool.ready and not sql.table_exists(self.env.cr, "fsm_webhook"):
            return frozenset()  # while the addon installs
        hooks = self.env["fsm.webhook"].sudo().search([("active", "=", True)])
        return frozenset(hooks.mapped("model"))

    @api.model
    def _changes(self):
        """This transaction's changes, {(model, id): entry}; written by one precommit hook."""
        data = self.env.cr.precommit.data
        changes = data.get(CHANGES_KEY)
        if changes is None:
            changes = data[CHANGES_KEY] = {}
            self.env.cr.precommit.add(self._flush_changes)
        return changes

    @api.model
    def _flush_changes(self):
        changes = self.env.cr.precommit.data.pop(CHANGES_KEY, None)
        if not changes or (not self.pool.ready and not sql.table_exists(self.env.cr, self._table)):
            return  # nothing, or the addon is being uninstalled
        env = self.env(su=True)
        by_model = {}
        for (model, res_id), entry in changes.items():
            by_model.setdefault(model, {})[res_id] = entry
        rows = []
        hooked = self._webhook_models()
        for model, entries in by_model.items():
            if model not in env:
                continue
            records = env[model].with_context(active_test=False).browse(list(entries))
            # a creation a savepoint rolled back is no change, nor a deletion that failed
            alive = set(records.exists().ids)
            company_field = records._fields.get("company_id")
            with_company = company_field is not None and company_field.type == "many2one" and company_field.store
            for res_id, entry in entries.items():
                op = entry["op"]
                if (op == "unlink") == (res_id in alive):
                    continue
                record = records.browse(res_id)
                company = entry.get("company") if op == "unlink" else (with_company and record.company_id.id)
                if op != "event":  # a change of the record itself (not only explicit events)
                    previous = entry.get("previous") if op != "create" else None  # a new record had none
                    if previous and op == "write":
                        previous = {f: v for f, v in previous.items() if v != _json_value(record, f, record[f])}
                    event = record._fsj_api_event_type(op, previous or {}) if model in hooked else None
                    rows.append(
                        {
                            "model": model,
                            "res_id": res_id,
                            "operation": op,
                            "company_id": company or False,
                            "event_type": event or False,
                            "previous": previous or False,
                            "pending": bool(event),
                        }
                    )
                for event, details in entry.get("events", ()):  # explicit events (_fsj_api_emit)
                    rows.append(
                        {
                            "model": model,
                            "res_id": res_id,
                            "operation": "write",
                            "company_id": company or False,
                            "event_type": event,
                            "details": details or False,
                            "pending": model in hooked,
                        }
                    )
        if not rows:
            return
        self._insert_rows(rows)
        if any(row["pending"] for row in rows):
            env.ref("fieldservice_jobs.ir_cron_webhook_deliver")._trigger()

    @api.model
    def _insert_rows(self, rows):
        """One INSERT for all the rows of a transaction. Not the ORM's create: it costs about 0.2 ms
        a row (defaults, cache) for rows nobody reads back in the transaction, a 1,000-job batch
        210 ms instead of about 20 ms; the values are the model's fields, given in full."""
        columns = ["model", "res_id", "operation", "company_id", "event_type", "previous", "details", "pending", "date"]
        now = self.env.cr.now().replace(microsecond=0)
        values = []
        for row in rows:
            values.append(
                (
                    row["model"],
                    row["res_id"],
                    row["operation"],
                    row["company_id"] or None,
                    row["event_type"] or None,
                    json.dumps(row["previous"]) if row.get("previous") else None,
                    json.dumps(row["details"]) if row.get("details") else None,
                    bool(row["pending"]),
                    now,
                )
            )
        for chunk in tools.split_every(1000, values):
            self.env.cr.execute(
                SQL(
                    "INSERT INTO fsm_api_change (%s) VALUES %s",
                    SQL(", ").join(SQL.identifier(column) for column in columns),
                    SQL(", ").join(
                        SQL("(%s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s)", *value) for value in chunk
                    ),
                )
            )

    # -- reading: the change feed --------------------------------------------------------------------
    @api.model
    def _feed_rows(self, model, after, limit, company_ids):
        """Up to ``limit`` change rows of ``model`` after the position ``after`` ((txid, id)), in
        commit-safe order, as (txid, id, res_id, operation); rows of other companies are left out."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH s AS (SELECT txid_current_snapshot() AS snap, txid_current_if_assigned() AS own)
                SELECT c.txid, c.id, c.res_id, c.operation
                  FROM fsm_api_change c, s
                 WHERE c.model = %s AND (c.txid, c.id) > (%s, %s) AND %s
                   AND (c.company_id IS NULL OR c.company_id = ANY(%s))
              ORDER BY c.txid, c.id
                 LIMIT %s
                """,
                model,
                after[0],
                after[1],
                SAFE_TXID_TEST_MODE if self.pool.in_test_mode() else SAFE_TXID,
                list(company_ids),
                limit,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _feed_horizon(self):
        """The position before which every transaction has ended: where a reader who starts from a
        snapshot of the records goes on with the log."""
        self.env.cr.execute("SELECT txid_snapshot_xmin(txid_current_snapshot())")
        return (self.env.cr.fetchone()[0], 0)

    @api.model
    def _feed_expired(self, position):
        """True if changes after ``position`` may have been purged."""
        purged = self.env["ir.config_parameter"].sudo().get_param(PURGED_PARAM)
        return bool(purged) and position[0] <= int(purged)

    @api.autovacuum
    def _gc_changes(self):
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, RETENTION_DEFAULT) or RETENTION_DEFAULT
        )
        limit = fields.Datetime.now() - datetime.timedelta(days=max(days, 1))
        # SQL: the purge horizon is the txid column, which the ORM does not know
        self.flush_model()
        self.env.cr.execute("DELETE FROM fsm_api_change WHERE date < %s AND NOT pending RETURNING txid", (limit,))
        self.invalidate_model()
        purged = max((row[0] for row in self.env.cr.fetchall()), default=None)
        if purged is not None:
            params = self.env["ir.config_parameter"].sudo()
            previous = int(params.get_param(PURGED_PARAM) or 0)
            params.set_param(PURGED_PARAM, str(max(previous, purged)))
            _logger.info("Change log: purged changes up to transaction %s", purged)


def _json_value(record, fname, value):
    """An ORM value as the change log keeps it (JSON): ids for relations, ISO strings for dates."""
    field = record._fields[fname]
    if field.type == "many2one":
        return [value.id, value.sudo().display_name] if value else False
    if field.type in ("one2many", "many2many"):
        return value.ids
    if field.type == "datetime":
        return fields.Datetime.to_string(value) if value else False
    if field.type == "date":
        return fields.Date.to_string(value) if value else False
    if field.type in ("binary", "image"):
        return None  # never copied into the log
    value = field.convert_to_read(value, record, use_display_name=False)
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


def capture_previous(records, fnames):
    """{id: {field: value}} of ``records`` before a write of ``fnames``, as the change log keeps them."""
    fnames = [f for f in fnames if f in records._fields and records._fields[f].type not in ("binary", "image")]
    return {rec.id: {f: _json_value(rec, f, rec[f]) for f in fnames} for rec in records}
