# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import json

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .fsm_api_import_run import JOURNAL_KEY


class FsmApiImportLine(models.Model):
    """One line of an import run's journal: a record the run created, or the old values of a record
    it changed (the first change in each transaction). Written at commit, in one INSERT."""

    _name = "fsm.api.import.line"
    _description = "Field Service REST API Import Journal Line"
    _order = "id desc"
    _log_access = False

    run_id = fields.Many2one("fsm.api.import.run", required=True, index=True, ondelete="cascade", readonly=True)
    model = fields.Char(required=True, readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="model", required=True, readonly=True)
    operation = fields.Selection([("create", "Created"), ("write", "Changed")], required=True, readonly=True)
    previous = fields.Json(readonly=True, help="The values before the change (ORM names).")
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    done = fields.Boolean(readonly=True, help="Undone by the run's rollback.")

    @api.model
    def _flush_journal(self):
        rows, _created = self.env.cr.precommit.data.pop(JOURNAL_KEY, None) or ((), None)
        if not rows:
            return
        created = {(model, res_id) for _run, model, res_id, op, _prev in rows if op == "create"}
        seen, values = set(), []
        now = self.env.cr.now().replace(microsecond=0)
        for run_id, model, res_id, op, previous in rows:
            key = (run_id, model, res_id, op)
            if key in seen or (op == "write" and ((model, res_id) in created or not previous)):
                continue  # the first old values of a record count; a record made here has none
            seen.add(key)
            values.append((run_id, model, res_id, op, json.dumps(previous) if previous else None, now))
        for chunk in tools.split_every(1000, values):
            self.env.cr.execute(
                SQL(
                    "INSERT INTO fsm_api_import_line (run_id, model, res_id, operation, previous, date) VALUES %s",
                    SQL(", ").join(SQL("(%s, %s, %s, %s, %s::jsonb, %s)", *value) for value in chunk),
                )
            )
