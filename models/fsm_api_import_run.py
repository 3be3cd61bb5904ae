# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An import run: a migration into Odoo (``fsj-import``, client/) as one unit the API journals and
can undo. Writes sent with the header ``X-Import-Run: <run>`` are journaled (models/base.py writes
fsm.api.import.line rows: what was created, and the old values of what was changed); the rollback
deletes what the run created and writes the old values back, in one transaction."""

import functools
import json
import time
import uuid

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..exceptions import FsjApiError
from .fsm_api_change import capture_previous

JOURNAL_KEY = "fsj_import_journal"  # this transaction's journal rows, in cr.precommit.data
# never journaled: the API's and the ORM's own bookkeeping (a rollback must not touch it)
NOT_JOURNALED_PREFIXES = ("fsm.api.", "fsm.webhook", "ir.", "bus.", "base.", "res.users.log", "mail.notification")
JOURNALED_IR_MODELS = ("ir.attachment",)
MAIL_THREAD_NOISE = ("mail.tracking.value", "mail.message.reaction")
ROLLBACK_CHUNK = 1000  # journal lines undone at once
ROLLBACK_BUDGET = 30.0  # seconds of work per step: a request stays well within the server's time limit


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
        [
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("rolling_back", "Rolling Back"),
            ("rolled_back", "Rolled Back"),
        ],
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
        if writing and run.state in ("rolled_back", "rolling_back"):
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
            "rolled_back": self._fsj_rollback_progress(),
        }

    def _fsj_rollback_progress(self):
        if self.state not in ("rolling_back", "rolled_back"):
            return None
        progress = dict(self.rollback_result or {"deleted": 0, "restored": 0})
        if self.state == "rolling_back":
            lines = self.env["fsm.api.import.line"].sudo()
            progress["remaining"] = lines.search_count([("run_id", "=", self.id), ("done", "=", False)])
        return progress

    # -- rollback ---------------------------------------------------------------------------------
    def action_rollback(self, budget=None):
        """Undo the run: the old values written back as the current user (newest change first), then
        what the run created deleted (newest first), whatever its stage for a job. A Field Service
        manager's rollback deletes as superuser, but only the records the journal (written by the
        server, never by the client) says the run created: Odoo gives nobody the right to delete a
        service location, and a migration's undo must remove the ones it made. Other users delete
        with their own rights.

        A big run is undone in steps of about ``budget`` seconds, each its own transaction (a request
        must end within the server's time limit): the run is then ``rolling_back``, takes no writes,
        and a cron job (or the next call) goes on from the journal lines not done yet. Returns True
        when the run is fully undone."""
        self.ensure_one()
        if self.state == "rolled_back":
            raise FsjApiError(
                _("Import run %(run)s is already rolled back.", run=self.uuid),
                status=409,
                code="run_rolled_back",
                details={"run": self.uuid},
            )
        self.check_access("write")
        done = self._fsj_rollback_step(ROLLBACK_BUDGET if budget is None else budget)
        if not done:
            self.sudo().state = "rolling_back"
            self.env.ref("fieldservice_jobs.ir_cron_import_rollback")._trigger()
        return done

    def _fsj_rollback_step(self, budget):
        started = time.monotonic()
        # one step at a time per run (the cron's and a client's call may meet): the other one waits
        # for the next turn instead of undoing the same lines
        self.env.cr.execute(SQL("SELECT id FROM fsm_api_import_run WHERE id = %s FOR UPDATE SKIP LOCKED", self.id))
        if not self.env.cr.fetchone():
            return False
        lines = self.env["fsm.api.import.line"].sudo()
        quiet = {"tracking_disable": True, "mail_notrack": True, "mail_create_nolog": True, "fsj_import_rollback": True}
        result = dict(self.rollback_result or {"deleted": 0, "restored": 0})
        created = {}
        for model, res_id in lines.search_fetch(
            [("run_id", "=", self.id), ("operation", "=", "create")], ["model", "res_id"]
        ).mapped(lambda line: (line.model, line.res_id)):
            created.setdefault(model, set()).add(res_id)
        out_of_time = False
        # 1. the old values, newest change first
        while not out_of_time:
            todo = lines.search(
                [("run_id", "=", self.id), ("operation", "=", "write"), ("done", "=", False)],
                order="id desc",
                limit=ROLLBACK_CHUNK,
            )
            if not todo:
                break
            for line in todo:
                if line.model in self.env and line.res_id not in created.get(line.model, ()):
                    record = self.env[line.model].with_context(active_test=False, **quiet).browse(line.res_id).exists()
                    values = record and record._fsj_import_values(line.previous or {})
                    if values:
                        record.write(values)
                        result["restored"] += 1
            todo.write({"done": True})
            out_of_time = time.monotonic() - started > budget
        # 2. what the run created, newest first (a job before its location, a location before its customer)
        manager = self.env.user.has_group("fieldservice.group_fsm_manager")
        while not out_of_time:
            todo = lines.search(
                [("run_id", "=", self.id), ("operation", "=", "create"), ("done", "=", False)],
                order="id desc",
                limit=ROLLBACK_CHUNK,
            )
            if not todo:
                break
            for model, ids in _runs_of_models(todo):
                if model not in self.env:
                    continue
                records = (
                    self.env[model]
                    .with_context(active_test=False, fsj_rollback_created=frozenset(created.get(model, ())), **quiet)
                    .browse(ids)
                    .exists()
                )
                if records:
                    result["deleted"] += len(records)
                    (records.sudo() if manager else records).unlink()
            todo.write({"done": True})
            self.env.flush_all()
            out_of_time = time.monotonic() - started > budget
        finished = not lines.search_count([("run_id", "=", self.id), ("done", "=", False)], limit=1)
        values = {"rollback_result": result}
        if finished:
            values.update(state="rolled_back", rollback_date=fields.Datetime.now())
        self.sudo().write(values)
        return finished

    @api.model
    def _cron_rollback(self):
        """Go on with the rollbacks too big for one request, one step (its own transaction) per
        call, as the run's user. Odoo's cron commits after each call and calls again at once while
        the progress says work remains (``ir.cron._notify_progress``), a few times per run of the job."""
        runs = self.sudo().search([("state", "=", "rolling_back")], order="id")
        for run in runs:
            done = run.with_user(run.user_id)._fsj_rollback_step(ROLLBACK_BUDGET)
            remaining = len(runs) - (1 if done else 0)
            self.env["ir.cron"]._notify_progress(done=1, remaining=remaining)
            if remaining:
                self.env.ref("fieldservice_jobs.ir_cron_import_rollback")._trigger()
            return
        self.env["ir.cron"]._notify_progress(done=0, remaining=0)

    def action_rollback_button(self):
        self.action_rollback()
        return True


def _runs_of_models(lines):
    """[(model, [ids])] of ``lines`` in their order, consecutive lines of one model together."""
    runs = []
    for line in lines:
        if runs and runs[-1][0] == line.model:
            runs[-1][1].append(line.res_id)
        else:
            runs.append((line.model, [line.res_id]))
    return runs


def journal(env, operation, records, previous=None):
    """Add rows to this transaction's journal of the import run in the context (``fsj_import_run``)."""
    run_id = env.context.get("fsj_import_run")
    if not run_id or not records._ids or not is_journaled(records._name):
        return
    rows, _created = _journal_data(env)
    for record in records:
        rows.append((run_id, records._name, record.id, operation, (previous or {}).get(record.id)))


def journal_write(env, records, fnames):
    """Journal the old values of ``records`` before a write of ``fnames``, except for the records made
    in this transaction (their rollback is their deletion: no old values to keep, nor to read)."""
    _rows, created = _journal_data(env)
    if created:
        made = created.get(records._name)
        if made:
            records = records.browse([rid for rid in records._ids if rid not in made])
    if records._ids:
        journal(env, "write", records, capture_previous(records, fnames))


def journal_create(env, records):
    _rows, created = _journal_data(env)
    created.setdefault(records._name, set()).update(records._ids)
    journal(env, "create", records)


def _journal_data(env):
    data = env.cr.precommit.data
    found = data.get(JOURNAL_KEY)
    if found is None:
        found = data[JOURNAL_KEY] = ([], {})  # (rows, {model: ids created in this transaction})
        env.cr.precommit.add(env["fsm.api.import.line"]._flush_journal)
    return found


@functools.lru_cache(maxsize=512)
def is_journaled(model):
    if model in JOURNALED_IR_MODELS:
        return True
    return not model.startswith(NOT_JOURNALED_PREFIXES) and model not in MAIL_THREAD_NOISE
