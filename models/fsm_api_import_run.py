# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An import run: a migration into Odoo (``fsj-import``, client/) as one unit the API journals and
can undo. Writes sent with the header ``X-Import-Run: <run>`` are journaled (models/base.py writes
fsm.api.import.line rows: what was created, and the old values of what was changed); the rollback
deletes what the run created and writes the old values back, in one transaction."""

import functools
import json
import uuid

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..exceptions import FsjApiError

JOURNAL_KEY = "fsj_import_journal"  # this transaction's journal rows, in cr.precommit.data
# never journaled: the API's and the ORM's own bookkeeping (a rollback must not touch it)
NOT_JOURNALED_PREFIXES = ("fsm.api.", "fsm.webhook", "ir.", "bus.", "base.", "res.users.log", "mail.notification")
JOURNALED_IR_MODELS = ("ir.attachment",)
MAIL_THREAD_NOISE = ("mail.tracking.value", "mail.message.reaction")


class FsmApiImportRun(models.Model):
    _name = "fsm.api.import.run"
    _description = "Field Service REST API Import Run"
    _order = "id desc"
    _rec_name = "uuid"

    uuid = fields.Char(
        string="Run",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: str(uuid.uuid4()),
    )
    label = fields.Char(string="Name")
    source = fields.Char(readonly=True, help="What the run imports from (csv, fieldnation, sitoo…).")
    user_id = fields.Many2one(
        "res.users", readonly=True, required=True, index=True, default=lambda self: self.env.user, ondelete="cascade"
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed"), ("rolled_back", "Rolled Back")],
        default="running",
        required=True,
        readonly=True,
    )
    report = fields.Json(
        string="Report (JSON)", readonly=True, help="The importer's report: counts per model, failures."
    )
    report_text = fields.Text(string="Report", compute="_compute_report_text")
    line_ids = fields.One2many("fsm.api.import.line", "run_id", string="Journal", readonly=True)
    line_count = fields.Integer(string="Journal Lines", compute="_compute_line_count")
    rollback_date = fields.Datetime(readonly=True)
    rollback_result = fields.Json(readonly=True)

    _sql_constraints = [("uuid_uniq", "unique(uuid)", "An import run id is unique.")]

    @api.depends("report")
    def _compute_report_text(self):
        for run in self:
            run.report_text = json.dumps(run.report, indent=2, sort_keys=True) if run.report else False

    def _compute_line_count(self):
        counts = dict(
            self.env["fsm.api.import.line"]._read_group([("run_id", "in", self.ids)], ["run_id"], ["__count"])
        )
        for run in self:
            run.line_count = counts.get(run, 0)

    # -- what the API asks ------------------------------------------------------------------------
    @api.model
    def _fsj_find(self, run_uuid, writing=False):
        """The run ``run_uuid`` of the current user (record rules), or an FsjApiError (404, or 409 for
        a write under a run rolled back)."""
        run = self.search([("uuid", "=", run_uuid)], limit=1) if isinstance(run_uuid, str) and run_uuid else self
        if not run:
            raise FsjApiError(
                _("No import run %(run)r of yours.", run=run_uuid), status=404, code="unknown_run", details={}
            )
        if writing and run.state == "rolled_back":
            raise FsjApiError(
                _("Import run %(run)s was rolled back: start a new run.", run=run.uuid),
                status=409,
                code="run_rolled_back",
                details={"run": run.uuid},
            )
        return run

    def _fsj_counts(self):
        """{model: {"created": n, "updated": n}} from the journal (records, not rows)."""
        self.ensure_one()
        self.env["fsm.api.import.line"].flush_model()
        self.env.cr.execute(
            SQL(
                # a record the run created and then changed counts as created only
                "SELECT model, operation, count(DISTINCT res_id) FROM fsm_api_import_line line "
                "WHERE run_id = %s AND (operation = 'create' OR NOT EXISTS ("
                "    SELECT 1 FROM fsm_api_import_line made WHERE made.run_id = line.run_id "
                "    AND made.model = line.model AND made.res_id = line.res_id AND made.operation = 'create'))"
                "GROUP BY model, operation",
                self.id,
            )
        )
        counts = {}
        for model, operation, count in self.env.cr.fetchall():
            key = "created" if operation == "create" else "updated"
            counts.setdefault(model, {"created": 0, "updated": 0})[key] = count
        return counts

    def _fsj_api_data(self):
        self.ensure_one()
        return {
            "id": self.uuid,
            "name": self.label or None,
            "source": self.source or None,
            "state": self.state,
            "create_date": fields.Datetime.to_string(self.create_date),
            "counts": self._fsj_counts(),
            "report": self.report or None,
            "rolled_back": self.rollback_result or None,
        }

    # -- rollback ---------------------------------------------------------------------------------
    def action_rollback(self):
        """Undo the run: the old values written back as the current user (newest change first), then
        what the run created deleted (newest first), whatever its stage for a job. A Field Service
        manager's rollback deletes as superuser, but only the records the journal (written by the
        server, never by the client) says the run created: Odoo gives nobody the right to delete a
        service location, and a migration's undo must remove the ones it made. Other users delete
        with their own rights."""
        self.ensure_one()
        if self.state == "rolled_back":
            raise FsjApiError(
                _("Import run %(run)s is already rolled back.", run=self.uuid),
                status=409,
                code="run_rolled_back",
                details={"run": self.uuid},
            )
        self.check_access("write")
        lines = self.env["fsm.api.import.line"].sudo().search([("run_id", "=", self.id)], order="id desc")
        created = {}
        for line in lines.filtered(lambda line: line.operation == "create"):
            created.setdefault(line.model, []).append(line.res_id)
        quiet = {"tracking_disable": True, "mail_notrack": True, "mail_create_nolog": True, "fsj_import_rollback": True}
        restored = deleted = 0
        for line in lines.filtered(lambda line: line.operation == "write"):
            if line.model not in self.env or line.res_id in created.get(line.model, ()):
                continue
            record = self.env[line.model].with_context(active_test=False, **quiet).browse(line.res_id).exists()
            values = record and record._fsj_import_values(line.previous or {})
            if values:
                record.write(values)
                restored += 1
        self.env.flush_all()
        manager = self.env.user.has_group("fieldservice.group_fsm_manager")
        for model in _models_newest_first(lines):
            if model not in self.env:
                continue
            ids = created[model]
            records = (
                self.env[model]
                .with_context(active_test=False, fsj_rollback_created=frozenset(ids), **quiet)
                .browse(ids)
                .exists()
            )
            if records:
                deleted += len(records)
                (records.sudo() if manager else records).unlink()
        result = {"deleted": deleted, "restored": restored}
        self.sudo().write({"state": "rolled_back", "rollback_date": fields.Datetime.now(), "rollback_result": result})
        return result

    def action_rollback_button(self):
        self.action_rollback()
        return True


def _models_newest_first(lines):
    """The models of the run's creations, the one created last first (jobs before their customers)."""
    order = []
    for line in lines:  # newest first
        if line.operation == "create" and line.model not in order:
            order.append(line.model)
    return order


def journal(env, operation, records, previous=None):
    """Add rows to this transaction's journal of the import run in the context (``fsj_import_run``)."""
    run_id = env.context.get("fsj_import_run")
    if not run_id or not records._ids or not is_journaled(records._name):
        return
    data = env.cr.precommit.data
    rows = data.get(JOURNAL_KEY)
    if rows is None:
        rows = data[JOURNAL_KEY] = []
        env.cr.precommit.add(env["fsm.api.import.line"]._flush_journal)
    for record in records:
        rows.append((run_id, records._name, record.id, operation, (previous or {}).get(record.id)))


@functools.lru_cache(maxsize=512)
def is_journaled(model):
    if model in JOURNALED_IR_MODELS:
        return True
    return not model.startswith(NOT_JOURNALED_PREFIXES) and model not in MAIL_THREAD_NOISE
