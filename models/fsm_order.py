# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import copy
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import sql

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from ..exceptions import FsjApiError
from .fsm_stage import (
    JOB_STAGE_CODES,
    STAGE_CANCELLED,
    STAGE_COMPLETED,
    STAGE_IN_PROGRESS,
    STAGE_NEW,
    STAGE_SCHEDULED,
)

SIGNATURE_BLOCKING_PARAM = "fieldservice_jobs.signature_blocking"
# cr.cache key: the defaults of the jobs a create is preparing, per environment and set of given fields
DEFAULTS_MEMO = "fieldservice_jobs.fsm_order_defaults"
# OCA's location hierarchy, stored on the job as fields related to its location's
LOCATION_HIERARCHY = ("territory_id", "branch_id", "district_id", "region_id")
# what seed 004's customer object may hold (fsm.order's write-only ``customer``)
CUSTOMER_KEYS = (
    "ref",
    "name",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "phone",
    "street",
    "street2",
    "city",
    "zip",
    "country_code",
)


class FSMOrder(models.Model):
    _name = "fsm.order"
    _inherit = ["fsm.order", "fsj.external.ref.mixin"]

    # -- job fields (seed 000 names; see readme/DESCRIPTION.md for how they map onto OCA's) --------
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        tracking=True,
        help="The customer of the job. Given alone, the job gets the customer's service location.",
    )
    # one source of truth: fieldservice_sale's sale_id, under seed 000's name
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sale Order",
        related="sale_id",
        readonly=False,
    )
    sale_id = fields.Many2one(index=True, tracking=True)
    fsm_type = fields.Char(
        string="Job Type Code",
        related="type.code",
        store=True,
        index=True,
        help="Identifier of the job type (e.g. 'install', 'service').",
    )
    type = fields.Many2one(tracking=True, index=True)
    effective_duration = fields.Float(
        compute="_compute_effective_duration",
        store=True,
        help="Actual duration in hours: the sum of the closed visits (check-in to check-out) when the "
        "job has some, else from the actual start and end.",
    )
    stage_code = fields.Char(related="stage_id.code", string="Stage Code")
    state_id = fields.Many2one("res.country.state", related="location_id.state_id", string="Address State")
    person_id = fields.Many2one(tracking=True)
    scheduled_date_start = fields.Datetime(tracking=True, index=True)
    date_start = fields.Datetime(tracking=True)
    date_end = fields.Datetime(tracking=True)
    can_start = fields.Boolean(compute="_compute_can_start")
    source_create_date = fields.Datetime(
        string="Original Created On",
        copy=False,
        help="When the job was created in the system it was imported from (fsj-import keeps it here).",
    )

    def init(self):
        res = super().init()
        # what seed 000's lists filter and order by: a day's or a technician's jobs not closed, in
        # schedule order. The company is in the index for the multi-company record rule, so that the
        # total of a list (X-Total-Count) is an index-only scan: 18.6 ms -> 4.4 ms for the ~17,000 open
        # future jobs of 100,000 (bench/), where the page itself takes 0.4 ms
        sql.drop_index(self.env.cr, "fsm_order_schedule_stage_index", self._table)  # 18.0.1.0.0 dev builds
        tools.create_index(
            self.env.cr,
            "fsm_order_schedule_stage_company_index",
            self._table,
            ["scheduled_date_start", "stage_id", "company_id"],
        )
        tools.create_index(
            self.env.cr, "fsm_order_person_schedule_index", self._table, ["person_id", "scheduled_date_start"]
        )
        return res

    # -- REST API hooks (models/base.py) -----------------------------------------------------------
    # The API speaks seed 000's names. OCA's names differ on durations: seed 000's ``duration`` is the
    # planned hours (OCA ``scheduled_duration``), and OCA's own ``duration`` (actual hours) is the
    # seed's ``effective_duration``, a stored field of this addon. ``type`` is the job type's code.
    @api.model
    def _fsj_api_field_aliases(self):
        return dict(super()._fsj_api_field_aliases(), duration="scheduled_duration", type="fsm_type")

    @api.model
    def _fsj_api_hidden_fields(self):
        return super()._fsj_api_hidden_fields() | {"duration", "scheduled_duration"}

    @api.model
    def _fsj_api_field_map(self, orm_fields):
        fields = super()._fsj_api_field_map(orm_fields)
        if "type" in fields:
            # read and filtered as the type's code; written as a code (or an id)
            fields["type"][1].update(type="char", readonly=False)
        return fields

    @api.model
    def _fsj_api_default_fields(self, field_map):
        # seed 000's sale_order_id is not stored itself (it stands for fieldservice_sale's sale_id)
        extra = [name for name in ("sale_order_id",) if name in field_map]
        return super()._fsj_api_default_fields(field_map) + extra

    @api.model
    def _fsj_api_domain_leaf(self, api_name, orm_name, value):
        values = value if isinstance(value, list | tuple) else [value]
        if api_name == "type" and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "type", value  # ids of fsm.order.type (seed 000 filters by code, the alias)
        if api_name == "stage_id" and values and all(isinstance(v, str) for v in values):
            return "stage_id.code", value  # stage codes ('in_progress'), never database ids
        return super()._fsj_api_domain_leaf(api_name, orm_name, value)

    @api.model
    def _fsj_api_value_converters(self):
        return dict(
            super()._fsj_api_value_converters(),
            type=self._fsj_api_job_type,
            stage_id=self._fsj_api_stage,
            customer=self._fsj_api_customer,
        )

    @api.model
    def _fsj_api_write_only_fields(self):
        # seed 004 (Sitoo) creates a service order with its customer inline
        return dict(
            super()._fsj_api_write_only_fields(),
            customer={
                "type": "json",
                "relation": "res.partner",
                "string": "Customer (found or created)",
                "help": "The customer as an object: found by ref (its external_ref), else by email, else "
                "created. Keys: " + ", ".join(CUSTOMER_KEYS) + ". Stands for partner_id.",
                "keys": list(CUSTOMER_KEYS),
            },
        )

    @api.model
    def _fsj_api_customer(self, raw, cache):
        """Seed 004's customer object: the partner with its ``ref`` (external reference), else the one
        with its email, else a new one, as the user (who needs the right to create partners for that).
        Looked up once per request for a batch of jobs of the same customers. A found partner is not
        changed, except that it gets the reference when it has none."""
        if not isinstance(raw, dict) or not raw:
            raise FsjApiError(
                _('customer must be an object such as {"first_name": ..., "email": ...}.'),
                details={"field": "customer"},
            )
        unknown = sorted(set(raw) - set(CUSTOMER_KEYS))
        if unknown:
            raise FsjApiError(
                _("customer: unknown key(s) %(keys)s.", keys=", ".join(unknown)),
                status=400,
                code="unknown_field",
                details={"field": "customer", "fields": unknown, "allowed": list(CUSTOMER_KEYS)},
            )
        bad = sorted(k for k, v in raw.items() if v is not None and not isinstance(v, str))
        if bad:
            raise FsjApiError(
                _("customer: %(keys)s must be strings.", keys=", ".join(bad)), details={"field": "customer"}
            )
        partners = self.env["res.partner"]
        ref = (raw.get("ref") or "").strip() or None
        email = (raw.get("email") or "").strip() or None
        found = cache.setdefault("fsm.order:customer", {})
        key = ("ref", ref) if ref else ("email", email.lower()) if email else None
        if key and key in found:
            return "partner_id", found[key].id
        partner = partners
        if ref:
            partners._fsj_api_check_ref(ref)
            partner = partners._fsj_api_find_by_ref([ref]).get(ref, partners)
        if not partner and email:
            partner = partners.search(
                [("email", "=ilike", email), ("company_id", "in", [False, self.env.company.id])],
                order="company_id, id",
                limit=1,
            )
            if partner and ref and not partner.external_ref:
                partner.external_ref = ref
        if not partner:
            partner = partners.create(self._fsj_api_customer_values(raw, ref, email))
        if key:
            found[key] = partner
        return "partner_id", partner.id

    @api.model
    def _fsj_api_customer_values(self, raw, ref, email):
        name = (raw.get("name") or "").strip() or " ".join(
            part.strip() for part in (raw.get("first_name"), raw.get("last_name")) if part and part.strip()
        )
        if not name:
            raise FsjApiError(
                _("customer: a new customer needs a name (name, or first_name and last_name)."),
                code="missing_field",
                details={"field": "customer.first_name"},
            )
        values = {"name": name, "email": email, "external_ref": ref}
        for key in ("mobile", "phone", "street", "street2", "city", "zip"):
            if raw.get(key):
                values[key] = raw[key].strip()
        if raw.get("country_code"):
            country = self.env["res.country"].search([("code", "=ilike", raw["country_code"].strip())], limit=1)
            if not country:
                raise FsjApiError(
                    _("customer: unknown country code %(code)r.", code=raw["country_code"]),
                    details={"field": "customer.country_code"},
                )
            values["country_id"] = country.id
        return values

    @api.model
    def _fsj_api_job_type(self, raw, cache):
        """A job type given by its code (or its id), as the user sees the types."""
        types = self.env["fsm.order.type"]
        if raw is None or raw is False:
            return "type", False
        if isinstance(raw, str):
            codes = cache.setdefault("fsm.order.type:code", {})  # once per batch, not per job
            if raw not in codes:
                codes[raw] = types.search([("code", "=", raw)], limit=1)
            found = codes[raw]
        elif isinstance(raw, int) and not isinstance(raw, bool):
            found = types.search([("id", "=", raw)]) if 0 < raw < 2**31 else types
        else:
            found = types
        if not found:
            codes = types.search([("code", "!=", False)]).mapped("code")
            raise FsjApiError(
                _("type: unknown job type %(type)r.", type=raw), details={"field": "type", "allowed": codes}
            )
        return "type", found.id

    @api.model
    def _fsj_api_stage(self, raw, cache):
        """A stage given by its code ('in_progress'); an id is converted as any many2one."""
        if not isinstance(raw, str):
            return None
        stage = self.env["fsm.stage"]._get_job_stage(raw)
        if not stage:
            raise FsjApiError(
                _("stage_id: unknown stage code %(code)r.", code=raw),
                details={"field": "stage_id", "allowed": list(JOB_STAGE_CODES)},
            )
        return "stage_id", stage.id

    @api.model
    def _fsj_api_check_vals(self, vals, creating):
        res = super()._fsj_api_check_vals(vals, creating)
        if creating and not (vals.get("partner_id") or vals.get("location_id")):
            raise FsjApiError(
                _("A job needs a customer: give partner_id (or location_id)."),
                code="missing_field",
                details={"field": "partner_id"},
            )
        return res

    def _fsj_api_write(self, vals):
        if "stage_id" not in vals:
            return super()._fsj_api_write(vals)
        vals = dict(vals)
        stage = self.env["fsm.stage"].browse(vals.pop("stage_id"))
        return self.action_set_stage(stage, vals)

    def _fsj_api_unlink(self):
        for order in self:
            if not order.can_unlink():
                raise FsjApiError(
                    _(
                        "Job %(job)s is %(stage)s: only New jobs can be deleted (cancel it instead).",
                        job=order.name,
                        stage=order.stage_id.name,
                    ),
                    status=409,
                    code="workflow_conflict",
                )
        return super()._fsj_api_unlink()

    @api.model
    def _fsj_api_event_types(self):
        return dict(
            super()._fsj_api_event_types(),
            **{
                "job.created": "A job was created.",
                "job.updated": "A job changed, its stage aside.",
                "job.stage_changed": "A job moved to another stage (other changes of the same "
                "transaction come with it, in previous).",
                "job.deleted": "A job was deleted.",
                "job.attachment_added": "Files were added to a job (details: the attachments).",
                "job.signed": "The customer signed a job (details: signed_by, signed_on).",
                "job.checked_in": "A technician checked in on site (details: the time log).",
                "job.checked_out": "A technician checked out (details: the time log).",
            },
        )

    @api.model
    def _fsj_api_event_for(self, action):
        return {
            "attachment_added": "job.attachment_added",
            "signed": "job.signed",
            "checked_in": "job.checked_in",
            "checked_out": "job.checked_out",
        }.get(action) or super()._fsj_api_event_for(action)

    def _fsj_api_event_type(self, operation, previous):
        if operation == "create":
            return "job.created"
        if operation == "unlink":
            return "job.deleted"
        return "job.stage_changed" if "stage_id" in previous else "job.updated"

    @api.model
    def _fsj_api_deleted_fields(self):
        return [*super()._fsj_api_deleted_fields(), "stage_id", "partner_id", "location_id", "scheduled_date_start"]

    @api.model
    def _fsj_api_methods(self):
        # location: {"lat": ..., "lng": ..., "accuracy": ...}; check_in / check_out: the names
        check_in = {"location": {"type": "json"}, "at": {"type": "datetime"}}
        check_out = dict(check_in, complete={"type": "boolean"})
        return dict(
            super()._fsj_api_methods(),
            action_start={"date_start": {"type": "datetime"}},
            action_complete={"date_end": {"type": "datetime"}},
            action_cancel={},
            action_check_in=check_in,
            action_check_out=check_out,
            check_in=check_in,
            check_out=check_out,
        )

    def _fsj_api_call(self, method, kwargs):
        # the workflow's guards apply to API calls (OCA's own callers keep OCA's behaviour)
        return super(FSMOrder, self.with_context(fsm_jobs_workflow=True))._fsj_api_call(method, kwargs)

    @api.model
    def _fsj_api_dashboard(self, start, end, limit):
        """Override to change the dashboard: the job stages with their counts, the number of jobs
        scheduled from ``start`` to ``end`` (UTC) and, when there are at most ``limit``, those jobs;
        all as the user sees them."""
        stages = self.env["fsm.stage"].search([("stage_type", "=", "order")])
        counts = dict(self._read_group([], ["stage_id"], ["__count"]))
        domain = [("scheduled_date_start", ">=", start), ("scheduled_date_start", "<", end)]
        count = self.search_count(domain)
        jobs = self.search(domain, order="scheduled_date_start, id") if count <= limit else None
        return {
            "stages": [(stage, counts.get(stage, 0)) for stage in stages],
            "count": count,
            "jobs": jobs,
            "actions": self._fsj_api_stage_actions(stages),
        }

    # -- allowed actions (the API's pseudo-field ``actions``, models/base.py) ------------------------
    @api.model
    def _fsj_api_action_descriptions(self):
        return dict(
            super()._fsj_api_action_descriptions(),
            schedule="Give or change the technician and the scheduled start (PATCH person_id, "
            "scheduled_date_start): a New job with both becomes Scheduled.",
            start="Start the job: POST /object/fsm.order/<id>/action_start (or PATCH stage_id 'in_progress').",
            complete="Complete the job: POST /object/fsm.order/<id>/action_complete (or PATCH stage_id 'completed').",
            cancel="Cancel the job: POST /object/fsm.order/<id>/action_cancel (or PATCH stage_id 'cancelled').",
            check_in="Check in on site as the key's user: POST /object/fsm.order/<id>/check_in.",
            check_out="Check out (the key's user is checked in): POST /object/fsm.order/<id>/check_out.",
            update="Change the job's fields: PATCH /object/fsm.order/<id>.",
            delete="Delete the job (New jobs only): DELETE /object/fsm.order/<id>.",
        )

    def _fsj_api_actions(self):
        """What the user may do now with each job: the workflow's transitions from its stage (as
        action_start, action_complete, action_cancel and the visits allow them), narrowed by the
        user's rights on the job (access rights and record rules for write and unlink) and the key
        (a read-only key does nothing). A few queries for all the jobs, none per job."""
        result = super()._fsj_api_actions()
        if not self or self.env["fsm.api.key.scope"]._fsj_api_access()[1]:
            return result
        writable = self._filtered_access("write")
        deletable = self._filtered_access("unlink")
        default_stage = self._default_stage_id()
        logs = self.env["fsm.order.time.log"]
        visits = logs.has_access("create")
        checked_in = set()
        if logs.has_access("read"):
            open_visits = logs.search_fetch(
                [("order_id", "in", self.ids), ("user_id", "=", self.env.uid), ("check_out", "=", False)], ["order_id"]
            )
            checked_in = set(open_visits.order_id.ids)
        unsigned = self._fsj_signature_missing()
        order_of = list(self._fsj_api_action_descriptions())
        for order in self:
            can_write = order in writable
            actions = set(order._fsj_stage_actions(order.stage_id, can_write, visits))
            # the user's own open visit decides: check out (whatever the stage is now), else check in
            if visits and order.id in checked_in:
                actions = (actions - {"check_in"}) | {"check_out"}
            else:
                actions.discard("check_out")
            if order.id in unsigned:
                actions.discard("complete")
            if can_write:
                actions.add("update")
            if order in deletable and order.stage_id == default_stage:  # OCA's can_unlink()
                actions.add("delete")
            result[order.id] = sorted(actions, key=order_of.index)
        return result

    @api.model
    def _fsj_api_stage_actions(self, stages):
        """{stage id: [action, ...]}: what a job in each stage allows the user, by the access rights
        on jobs alone (record rules, the user's own visits and a missing signature narrow it per job,
        see ``_fsj_api_actions``)."""
        if self.env["fsm.api.key.scope"]._fsj_api_access()[1]:
            return {stage.id: [] for stage in stages}
        can_write = self.has_access("write")
        visits = self.env["fsm.order.time.log"].has_access("create")
        default_stage = self._default_stage_id()
        result = {}
        for stage in stages:
            actions = self._fsj_stage_actions(stage, can_write, visits)
            if can_write:
                actions.append("update")
            if stage == default_stage and self.has_access("unlink"):
                actions.append("delete")
            result[stage.id] = actions
        return result

    @api.model
    def _fsj_stage_actions(self, stage, can_write, visits):
        """The workflow's actions from ``stage``: start from any open stage but In Progress,
        complete and cancel from an open stage, (re)schedule a New or Scheduled job, check in on an
        open job (a New or Scheduled one is started by it: a write), check out while checked in.
        A closed job (Completed, Cancelled or a closed stage) allows none of them."""
        code = stage.code
        closed = stage.is_closed or code in (STAGE_COMPLETED, STAGE_CANCELLED)
        if closed:
            return []
        starting = code in (STAGE_NEW, STAGE_SCHEDULED)
        actions = []
        if can_write:
            actions += ["schedule"] if starting else []
            actions += ["start"] if code != STAGE_IN_PROGRESS else []
            actions += ["complete", "cancel"]
        if visits and (can_write or not starting):
            actions.append("check_in")
        if visits and not starting:  # a check-in starts a New or Scheduled job
            actions.append("check_out")
        return actions

    def _fsj_signature_missing(self):
        """Ids of the jobs that completing would refuse for their missing signature (the setting
        Signature Blocking and a Completed stage that requires one)."""
        if not self.env["ir.config_parameter"].sudo().get_param(SIGNATURE_BLOCKING_PARAM):
            return set()
        completed = self.env["fsm.stage"]._get_job_stage(STAGE_COMPLETED)
        if not completed.require_signature:
            return set()
        return set(self.filtered(lambda o: not o.signature).ids)

    @api.depends("location_id")
    def _compute_partner_id(self):
        for order in self:
            location = order.location_id
            order.partner_id = location.owner_id or location.partner_id or order.partner_id

    @api.depends("location_id", "company_id")
    def _compute_team_id(self):
        """OCA's default team (the location's, else the first team of the current company), taken in
        the job's own company: a job created in company B from company A (``company_id`` given, a
        sale order of B) gets a team of B, and a location's team of another company is passed over.
        Every company has a default team (models/res_company.py)."""
        teams = {}  # company -> its default team
        orders_of = defaultdict(list)  # team -> its jobs: one assignment per team, not per job
        for order in self:
            company = order.company_id or order.env.company
            team = order.location_id.team_id
            if team and team.sudo().company_id != company:
                team = team.browse()
            if not team:
                if company not in teams:
                    teams[company] = order._company_default_team(company)
                team = teams[company]
            orders_of[team].append(order.id)
        for team, ids in orders_of.items():
            self.browse(ids).team_id = team

    def _company_default_team(self, company):
        """OCA's default team in ``company`` when the user may work there, else in the current one."""
        if company != self.env.company and (self.env.su or company.id in self.env.user._get_company_ids()):
            return self.with_company(company)._default_team_id().with_env(self.env)
        return self._default_team_id()

    @api.depends("date_start", "date_end", "time_log_ids.check_out", "time_log_ids.duration")
    def _compute_effective_duration(self):
        for order in self:
            visits = order.time_log_ids.filtered("check_out")
            if visits:  # the time on site, summed over technicians (two for an hour: 2.0)
                order.effective_duration = sum(visits.mapped("duration"))
            elif order.date_start and order.date_end:
                order.effective_duration = (order.date_end - order.date_start).total_seconds() / 3600
            else:
                order.effective_duration = 0.0

    @api.depends("stage_id.code")
    def _compute_can_start(self):
        for order in self:
            order.can_start = order.stage_id.code in (STAGE_NEW, STAGE_SCHEDULED)

    # -- creation: customer <-> location ------------------------------------------------------------
    @api.model
    def _get_customer_location(self, partner):
        """The service location of a customer: its primary service location, a location whose own
        partner is the customer, or a new one made from the customer's address."""
        return self._fsj_customer_locations(partner)[partner.id]

    @api.model
    def _fsj_customer_locations(self, partners):
        """{customer id: service location} of ``partners``, as ``_get_customer_location`` finds or
        makes each, in one query for all (and one create for the missing ones, in the given order)."""
        locations = {partner.id: partner.service_location_id for partner in partners}
        missing = [partner for partner in partners if not locations[partner.id]]
        if missing:
            # as a search per customer with limit=1: the first location of each in fsm.location's order
            found = self.env["fsm.location"].search([("partner_id", "in", [p.id for p in missing])])
            for location in found:
                if not locations[location.partner_id.id]:
                    locations[location.partner_id.id] = location
            missing = [partner for partner in missing if not locations[partner.id]]
        if missing:
            created = self.env["fsm.location"].create(
                [{"partner_id": p.id, "owner_id": p.commercial_partner_id.id} for p in missing]
            )
            locations.update(zip([p.id for p in missing], created, strict=True))
        return locations

    @api.model
    def _fsj_draw_names(self, count):
        """``count`` job names of the 'fsm.order' sequence, as as many ``next_by_code`` calls give
        them, drawn at once (one ``nextval`` query) when the sequence is a plain PostgreSQL one; None
        otherwise (no gap, date ranges, no sequence): OCA's create then names the jobs one by one."""
        sequences = self.env["ir.sequence"]
        sequences.browse().check_access("read")
        sequence = sequences.search(
            [("code", "=", "fsm.order"), ("company_id", "in", [self.env.company.id, False])],
            order="company_id",
            limit=1,
        )
        if not sequence or sequence.implementation != "standard" or sequence.use_date_range:
            return None
        self.env.cr.execute("SELECT nextval(%s) FROM generate_series(1, %s)", ["ir_sequence_%03d" % sequence.id, count])
        numbers = sorted((row[0] for row in self.env.cr.fetchall()), reverse=sequence.number_increment < 0)
        # ir.sequence.get_next_char, its prefix and suffix interpolated once for the batch
        prefix, suffix = sequence._get_prefix_suffix()
        padding = "%%0%sd" % sequence.padding
        return [prefix + padding % number + suffix for number in numbers]

    def _prepare_create_values(self, vals_list):
        # The defaults depend on the environment, not on the values: while a batch is prepared, they are
        # computed once per distinct set of given fields rather than once per job (OCA's default stage
        # is a search). Properties fields and delegated (_inherits) models take their defaults from the
        # values: one by one there.
        cache = self.env.cr.cache
        if len(vals_list) < 2 or DEFAULTS_MEMO in cache or self._inherits:
            return super()._prepare_create_values(vals_list)
        if any(field.type == "properties" for field in self._fields.values()):
            return super()._prepare_create_values(vals_list)
        cache[DEFAULTS_MEMO] = {}
        try:
            return super()._prepare_create_values(vals_list)
        finally:
            cache.pop(DEFAULTS_MEMO, None)

    @api.model
    def _add_missing_default_values(self, values):
        memo = self.env.cr.cache.get(DEFAULTS_MEMO)
        if memo is None:
            return super()._add_missing_default_values(values)
        key = (self.env, frozenset(values))
        if key not in memo:
            full = super()._add_missing_default_values(dict(values))
            memo[key] = {name: value for name, value in full.items() if name not in values}
        # x2many defaults are command lists: each job gets its own copy
        defaults = {name: copy.deepcopy(v) if isinstance(v, list | dict) else v for name, v in memo[key].items()}
        return {**defaults, **values}

    @api.model_create_multi
    def create(self, vals_list):
        stage_model = self.env["fsm.stage"]
        new = scheduled = None
        wanted = [vals["partner_id"] for vals in vals_list if vals.get("partner_id") and not vals.get("location_id")]
        customers = self.env["res.partner"].browse(dict.fromkeys(wanted))
        locations = self._fsj_customer_locations(customers) if customers else {}
        new_name = _("New")
        unnamed = [vals for vals in vals_list if vals.get("name", new_name) == new_name]
        # OCA's create names each job with a sequence call (a search and a nextval): one for the batch
        names = self._fsj_draw_names(len(unnamed)) if len(unnamed) > 1 else None
        for vals, name in zip(unnamed, names or (), strict=bool(names)):
            vals["name"] = name
        for vals in vals_list:
            if vals.get("partner_id") and not vals.get("location_id"):
                vals["location_id"] = locations[vals["partner_id"]].id
            if vals.get("person_id") and vals.get("scheduled_date_start"):
                if new is None:  # looked up once per batch, not per record
                    new = stage_model._get_job_stage(STAGE_NEW)
                    scheduled = stage_model._get_job_stage(STAGE_SCHEDULED)
                    default_stage = self._default_stage_id()
                if scheduled and (vals.get("stage_id") or default_stage.id) == new.id:
                    vals["stage_id"] = scheduled.id
        if len(vals_list) > 1:
            self._fsj_prefill_computed(vals_list)
        orders = super().create(vals_list)
        orders._on_stage_entered()
        return orders

    @api.model
    def _fsj_prefill_computed(self, vals_list):
        """Give the INSERT of a batch the values that the stored computed fields which are not
        precomputed (OCA's location hierarchy and fsm_type, related fields, and effective_duration) take
        at the next flush. Odoo still recomputes them then; it finds them unchanged and writes nothing,
        where it would otherwise UPDATE every new job (about 6 % of a batch create's time). A value that
        differs is corrected by that recompute, never kept. (Marking those fields precompute costs more:
        each new job's values computed on a new record before the INSERT.)"""
        location_ids = {vals["location_id"] for vals in vals_list if isinstance(vals.get("location_id"), int)}
        # read as the related fields are computed (compute_sudo); existing locations only
        locations = {loc.id: loc for loc in self.env["fsm.location"].sudo().browse(location_ids).exists()}
        type_ids = {vals["type"] for vals in vals_list if isinstance(vals.get("type"), int)}
        codes = {t.id: t.code for t in self.env["fsm.order.type"].sudo().browse(type_ids).exists()}
        for vals in vals_list:
            # ids only: any other form of a value (a record, a wrong type) is left to Odoo, as it comes
            location_id, type_id = vals.get("location_id"), vals.get("type")
            location = locations.get(location_id) if isinstance(location_id, int) else None
            if location:
                for fname in LOCATION_HIERARCHY:
                    vals.setdefault(fname, location[fname].id)
            if not type_id or (isinstance(type_id, int) and type_id in codes):
                vals.setdefault("fsm_type", codes.get(type_id, False) if type_id else False)
            if not vals.get("date_start") and not vals.get("date_end"):
                vals.setdefault("effective_duration", 0.0)

    def write(self, vals):
        old_stages = {order.id: order.stage_id for order in self} if "stage_id" in vals else {}
        res = super().write(vals)
        if old_stages:
            self.filtered(lambda o: o.stage_id != old_stages[o.id])._on_stage_entered()
        if {"person_id", "scheduled_date_start"} & set(vals) and "stage_id" not in vals:
            self._auto_schedule()
        return res

    def _auto_schedule(self):
        """A New job that has a technician and a scheduled start moves to Scheduled."""
        stage_model = self.env["fsm.stage"]
        scheduled = stage_model._get_job_stage(STAGE_SCHEDULED)
        ready = self.filtered(lambda o: o.stage_id.code == STAGE_NEW and o.person_id and o.scheduled_date_start)
        if scheduled and ready:
            ready.write({"stage_id": scheduled.id})

    def _on_stage_entered(self):
        """Side effects of entering a stage, whatever moved the job there (button, server action,
        API, kanban): timestamps and activities."""
        now = fields.Datetime.now()
        codes = {order: order.stage_id.code for order in self}
        started = self.filtered(lambda o: codes[o] == STAGE_IN_PROGRESS and not o.date_start)
        if started:
            started.date_start = now  # one write for all, not one per job
        ended = self.filtered(lambda o: codes[o] == STAGE_COMPLETED and not o.date_end)
        if ended:
            ended.date_end = now
        for order in self.filtered(lambda o: codes[o] == STAGE_SCHEDULED):
            order._schedule_technician_activity()
        for code in (STAGE_COMPLETED, STAGE_CANCELLED):
            self.filtered(lambda o, code=code: codes[o] == code)._close_activities(code)

    def _schedule_technician_activity(self):
        self.ensure_one()
        user = self.person_id.partner_id.user_ids[:1]
        if not user:
            return
        when = self.scheduled_date_start
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self, when) if when else None,
            summary=_("Scheduled job %(job)s", job=self.name),
            note=Markup("<p>%s</p>")
            % _(
                "You are assigned to job %(job)s at %(location)s.",
                job=self.name,
                location=self.location_id.display_name,
            ),
            user_id=user.id,
        )

    def _close_activities(self, code):
        activities = self.activity_ids
        if not activities:
            return
        feedback = _("Job completed.") if code == STAGE_COMPLETED else _("Job cancelled.")
        activities.action_feedback(feedback=feedback)

    def _message_get_default_recipients(self):
        # Odoo's generic default recipient is the record's partner_id, a field this addon adds: mails
        # that OCA sends without recipients (fieldservice_sale's "created from" note, a mass mail)
        # would go to the customer. Jobs keep OCA's behaviour: no default recipient.
        return {order.id: {"partner_ids": [], "email_to": False, "email_cc": False} for order in self}

    def can_unlink(self):
        # Uninstalling this addon removes its demo jobs, whatever their stage; otherwise OCA's rule
        # (only New jobs may be deleted) stands.
        if self.env.context.get(MODULE_UNINSTALL_FLAG):
            return True
        # the rollback of an import run deletes the jobs the run created, whatever their stage
        if self.id in self.env.context.get("fsj_rollback_created", ()):
            return True
        return super().can_unlink()

    # -- workflow, shared by the buttons, the server actions and the API -----------------------
    def _job_stage(self, code):
        stage = self.env["fsm.stage"]._get_job_stage(code)
        if not stage:
            raise UserError(_("The job stage '%(code)s' is missing; reinstall Field Service Jobs.", code=code))
        return stage

    def action_start(self, date_start=None):
        """Start the jobs: New or Scheduled -> In Progress. The actual start is ``date_start``
        when given, else the one already entered, else now."""
        in_progress = self._job_stage(STAGE_IN_PROGRESS)
        for order in self:
            if order.stage_id.code in (STAGE_COMPLETED, STAGE_CANCELLED) or order.is_closed:
                raise UserError(
                    _(
                        "Job %(job)s is %(stage)s and cannot be started.",
                        job=order.name,
                        stage=order.stage_id.name,
                    )
                )
            if order.stage_id.code == STAGE_IN_PROGRESS:
                raise UserError(_("Job %(job)s is already in progress.", job=order.name))
        vals = {"stage_id": in_progress.id}
        if date_start:
            vals["date_start"] = date_start
        self.write(vals)
        return True

    def action_complete(self, date_end=None):
        """Complete the jobs through OCA's completion path. The actual end is ``date_end`` when
        given, else the one already entered, else now.

        Called through this addon's workflow (buttons of this addon, server actions, API: context
        ``fsm_jobs_workflow``) a cancelled job is refused. OCA's own callers keep OCA's behaviour
        (its test suite completes a cancelled order), and OCA's Complete button is hidden on closed
        jobs anyway."""
        cancelled = self.filtered(lambda o: o.stage_id.code == STAGE_CANCELLED)
        if cancelled and self.env.context.get("fsm_jobs_workflow"):
            raise UserError(
                _(
                    "Job %(job)s is cancelled and cannot be completed.",
                    job=", ".join(cancelled.mapped("name")),
                )
            )
        self._check_signature_before_completion()
        if date_end:
            self.write({"date_end": date_end})
        return super().action_complete()

    # -- signature (REST API: restapi/signature.py) -----------------------------------------------
    def _fsj_api_sign(self, image, signed_by, signed_on):
        """Store the customer's signature in OCA's fields (``image``: base64 of a PNG or JPEG) and
        send the job.signed event."""
        self.ensure_one()
        signed_on = fields.Datetime.to_datetime(signed_on) or fields.Datetime.now()
        if self.is_closed:
            raise FsjApiError(
                _("Job %(job)s is %(stage)s: it cannot be signed.", job=self.name, stage=self.stage_id.name),
                status=409,
                code="workflow_conflict",
            )
        # OCA's fields are read-only in its form (signed through its wizard): written here as the user
        self.write({"signature": image, "signed_by": signed_by, "signed_on": signed_on})
        self._fsj_api_emit("signed", {"signed_by": signed_by, "signed_on": fields.Datetime.to_string(signed_on)})
        return True

    def _check_signature_before_completion(self):
        """With the setting on, a stage that requires a signature blocks completing a job that has
        none (OCA only shows the Sign button)."""
        if not self.env["ir.config_parameter"].sudo().get_param(SIGNATURE_BLOCKING_PARAM):
            return
        completed = self._job_stage(STAGE_COMPLETED)
        unsigned = self.filtered(lambda o: not o.signature)
        if completed.require_signature and unsigned:
            raise FsjApiError(
                _(
                    "Job %(job)s needs the customer's signature before it is completed.",
                    job=", ".join(unsigned.mapped("name")),
                ),
                status=409,
                code="signature_required",
            )

    def action_set_stage(self, stage, values=None):
        """Move the jobs to ``stage`` (an fsm.stage record) the way the workflow does, writing
        ``values`` first. This is what a write of ``stage_id`` through the API does, so a PUT of
        the In Progress or Completed stage starts or completes the job with the same guards and
        timestamps as the buttons."""
        values = dict(values or {})
        values.pop("stage_id", None)
        moving = self.filtered(lambda o: o.stage_id != stage)
        date_start = values.pop("date_start", None) if stage.code == STAGE_IN_PROGRESS else None
        date_end = values.pop("date_end", None) if stage.code == STAGE_COMPLETED else None
        if values:
            self.write(values)
        if not moving:
            return True
        if stage.code == STAGE_IN_PROGRESS:
            return moving.action_start(date_start=date_start)
        if stage.code == STAGE_COMPLETED:
            return moving.with_context(fsm_jobs_workflow=True).action_complete(date_end=date_end)
        if stage.code == STAGE_CANCELLED:
            return moving.action_cancel()
        closed = moving.filtered("is_closed")
        if closed:
            raise UserError(
                _(
                    "Job %(job)s is %(stage)s; it cannot be moved back to %(target)s.",
                    job=closed[0].name,
                    stage=closed[0].stage_id.name,
                    target=stage.name,
                )
            )
        return moving.write({"stage_id": stage.id})

    # -- visits: check-in / check-out (models/fsm_order_time_log.py) --------------------------------
    time_log_ids = fields.One2many("fsm.order.time.log", "order_id", string="Visits", readonly=True)

    def action_check_in(self, location=None, at=None):
        """The current user checks in on the job, at ``at`` (default now; at most 5 minutes ahead)
        and, when given, at ``location`` {"lat": -90..90, "lng": -180..180, "accuracy": meters}. The
        first check-in of a New or Scheduled job starts it at ``at``. Refused (409) on a closed job or
        when the user is already checked in on it. Sends the job.checked_in event."""
        self.ensure_one()
        self.env["fsm.order.time.log"]._visit_check_in(self, location=location, at=at)
        return True

    def action_check_out(self, location=None, at=None, complete=False):
        """The current user checks out of the job (409 when not checked in), at ``at`` (not before
        the check-in) and ``location``; with ``complete`` the job is completed at ``at`` too, unless
        someone else is still checked in (409). Sends the job.checked_out event."""
        self.ensure_one()
        self.env["fsm.order.time.log"]._visit_check_out(self, location=location, at=at, complete=complete)
        return True

    def check_in(self, location=None, at=None):
        """The REST API's POST /object/fsm.order/<id>/check_in: action_check_in."""
        return self.action_check_in(location=location, at=at)

    def check_out(self, location=None, at=None, complete=False):
        """The REST API's POST /object/fsm.order/<id>/check_out: action_check_out."""
        return self.action_check_out(location=location, at=at, complete=complete)
