# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Visits of a job (issue 13, check-in / check-out): a technician checks in on site, with the phone's
position, and checks out; the job's effective duration is the sum of its visits.

Visits are made and closed by the job's workflow (``fsm.order.action_check_in`` / ``action_check_out``,
through the REST API ``POST /object/fsm.order/<id>/check_in`` and ``check_out``); otherwise only Field
Service managers create or change them (corrections)."""

import datetime
import math

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import mute_logger

from ..exceptions import FsjApiError
from .fsm_stage import STAGE_CANCELLED, STAGE_COMPLETED, STAGE_NEW, STAGE_SCHEDULED

MAX_DISTANCE_PARAM = "fieldservice_jobs.checkin_max_distance"
MAX_DISTANCE_DEFAULT = 500  # meters
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)  # a phone's clock ahead of the server's
EARTH_RADIUS = 6371008.8  # meters, the mean radius (IUGG)
LOCATION_KEYS = ("lat", "lng", "accuracy")
# what the workflow passes in the context to create and close visits; an object, so that no RPC
# client can forge it (a context from JSON holds only JSON values)
_WORKFLOW = object()
_WORKFLOW_KEY = "fsm_jobs_visit"


def haversine(lat1, lng1, lat2, lng2):
    """Great-circle distance in meters between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(a)))


def _is_number(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def parse_location(env, location):
    """``location`` as {"lat": float, "lng": float, "accuracy": float or None}, or None when not given.
    Anything but {"lat": -90..90, "lng": -180..180, "accuracy": meters >= 0 (optional)} raises
    FsjApiError 422 invalid_value on the field "location"."""
    if location is None or location is False:
        return None

    def bad(message):
        return FsjApiError(
            env._("location: %(message)s", message=message),
            details={"field": "location", "expected": {"lat": "-90..90", "lng": "-180..180", "accuracy": ">= 0"}},
        )

    if not isinstance(location, dict):
        raise bad(env._('expected an object {"lat": ..., "lng": ..., "accuracy": ...}.'))
    unknown = sorted(str(key) for key in location if key not in LOCATION_KEYS)
    if unknown:
        raise bad(env._("unknown key(s) %(keys)s (lat, lng and accuracy only).", keys=", ".join(unknown)))
    lat, lng, accuracy = location.get("lat"), location.get("lng"), location.get("accuracy")
    if not _is_number(lat) or not -90 <= lat <= 90:
        raise bad(env._("lat must be a number from -90 to 90."))
    if not _is_number(lng) or not -180 <= lng <= 180:
        raise bad(env._("lng must be a number from -180 to 180."))
    if accuracy is not None and (not _is_number(accuracy) or accuracy < 0):
        raise bad(env._("accuracy must be a number of meters, 0 or more."))
    return {"lat": float(lat), "lng": float(lng), "accuracy": None if accuracy is None else float(accuracy)}


def parse_moment(env, at):
    """The moment of a check-in or check-out (naive UTC, to the second): ``at`` (a datetime or an Odoo
    datetime string) or now. More than 5 minutes in the future raises FsjApiError 422."""
    now = fields.Datetime.now()
    if at is None or at is False:
        return now
    try:
        moment = fields.Datetime.to_datetime(at)
    except (TypeError, ValueError):
        moment = None
    if not isinstance(moment, datetime.datetime):
        raise FsjApiError(env._("at: expected a date and time (UTC)."), details={"field": "at"})
    moment = moment.replace(microsecond=0)
    if moment > now + FUTURE_TOLERANCE:
        raise FsjApiError(
            env._("at: %(at)s is in the future (now: %(now)s UTC).", at=moment, now=now), details={"field": "at"}
        )
    return moment


class FsmOrderTimeLog(models.Model):
    _name = "fsm.order.time.log"
    _description = "Job Visit"
    _order = "check_in desc, id desc"

    order_id = fields.Many2one("fsm.order", string="Job", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Technician",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        help="Who checked in.",
    )
    check_in = fields.Datetime(required=True, default=fields.Datetime.now)
    check_out = fields.Datetime(help="Empty while the technician is on site.")
    duration = fields.Float(
        string="Duration (hours)", compute="_compute_duration", store=True, help="From check-in to check-out."
    )
    check_in_located = fields.Boolean(string="Check-in Position Given")
    check_in_latitude = fields.Float(digits=(10, 7))
    check_in_longitude = fields.Float(digits=(10, 7))
    check_in_accuracy = fields.Float(string="Check-in Accuracy (m)", digits=(12, 1))
    check_out_located = fields.Boolean(string="Check-out Position Given")
    check_out_latitude = fields.Float(digits=(10, 7))
    check_out_longitude = fields.Float(digits=(10, 7))
    check_out_accuracy = fields.Float(string="Check-out Accuracy (m)", digits=(12, 1))
    site_located = fields.Boolean(
        compute="_compute_distances",
        store=True,
        help="The job's location had coordinates (its partner's Geo Latitude and Longitude) when the "
        "visit was recorded: the distances are known only then.",
    )
    check_in_distance = fields.Float(
        string="Check-in Distance (m)",
        digits=(12, 1),
        compute="_compute_distances",
        store=True,
        help="Meters from the job's location at check-in (0 when a position is missing).",
    )
    check_out_distance = fields.Float(
        string="Check-out Distance (m)",
        digits=(12, 1),
        compute="_compute_distances",
        store=True,
        help="Meters from the job's location at check-out (0 when a position is missing).",
    )
    far_from_site = fields.Boolean(
        compute="_compute_far_from_site",
        store=True,
        help="Checked in or out farther from the job's location than the setting allows "
        "(Check-in Distance Flag, 500 m by default).",
    )

    _sql_constraints = [
        (
            "check_out_after_check_in",
            "CHECK(check_out IS NULL OR check_out >= check_in)",
            "A visit ends after it starts.",
        )
    ]

    def init(self):
        # one open visit per technician and job: two check-ins racing each other cannot both succeed
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS fsm_order_time_log_open_uniq "
            "ON fsm_order_time_log (order_id, user_id) WHERE check_out IS NULL"
        )

    @api.depends("check_in", "check_out")
    def _compute_duration(self):
        for log in self:
            if log.check_in and log.check_out:
                log.duration = (log.check_out - log.check_in).total_seconds() / 3600
            else:
                log.duration = 0.0

    # the site's coordinates are read when the visit's own position is written (not followed later)
    @api.depends(
        "order_id",
        "check_in_located",
        "check_in_latitude",
        "check_in_longitude",
        "check_out_located",
        "check_out_latitude",
        "check_out_longitude",
    )
    def _compute_distances(self):
        for log in self:
            site = log.order_id.location_id.partner_id
            lat, lng = site.partner_latitude, site.partner_longitude
            log.site_located = bool(lat or lng)
            log.check_in_distance = (
                haversine(lat, lng, log.check_in_latitude, log.check_in_longitude)
                if log.site_located and log.check_in_located
                else 0.0
            )
            log.check_out_distance = (
                haversine(lat, lng, log.check_out_latitude, log.check_out_longitude)
                if log.site_located and log.check_out_located
                else 0.0
            )

    @api.depends("check_in_distance", "check_out_distance")
    def _compute_far_from_site(self):
        limit = self._max_distance()
        for log in self:
            log.far_from_site = bool(limit) and max(log.check_in_distance, log.check_out_distance) > limit

    @api.model
    def _max_distance(self):
        """The setting Check-in Distance Flag, in meters; 0 or less: nothing is flagged."""
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_DISTANCE_PARAM, MAX_DISTANCE_DEFAULT)
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            return float(MAX_DISTANCE_DEFAULT)

    @api.depends("order_id.name", "user_id.name", "check_in")
    def _compute_display_name(self):
        for log in self:
            log.display_name = f"{log.order_id.name or ''} · {log.user_id.name or ''}"

    @api.constrains("user_id", "order_id")
    def _check_company(self):
        for log in self:
            company = log.order_id.company_id
            if company and log.user_id and company not in log.user_id.sudo().company_ids:
                raise ValidationError(
                    _("%(user)s cannot visit a job of %(company)s.", user=log.user_id.name, company=company.name)
                )

    # -- who writes visits ----------------------------------------------------------------------------
    def _check_visit_rights(self):
        if self.env.su or self.env.context.get(_WORKFLOW_KEY) is _WORKFLOW:
            return
        if not self.env.user.has_group("fieldservice.group_fsm_manager"):
            raise AccessError(
                _("Visits are recorded by checking in and out of a job; only Field Service managers change them.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_visit_rights()
        return super().create(vals_list)

    def write(self, vals):
        self._check_visit_rights()
        return super().write(vals)

    def _workflow(self):
        return self.with_context(**{_WORKFLOW_KEY: _WORKFLOW})

    # -- REST API hooks (models/base.py) ------------------------------------------------------------
    @api.model
    def _fsj_api_check_vals(self, vals, creating):
        res = super()._fsj_api_check_vals(vals, creating)
        if creating:
            raise FsjApiError(
                _("A visit is recorded by checking in on its job: POST /object/fsm.order/<id>/check_in."),
                status=409,
                code="workflow_conflict",
            )
        return res

    # -- check-in and check-out (called by fsm.order) ---------------------------------------------------
    @api.model
    def _open_visits(self, order, user=None):
        domain = [("order_id", "=", order.id), ("check_out", "=", False)]
        if user is not None:
            domain.append(("user_id", "=", user.id))
        return self.search(domain)

    @api.model
    def _visit_check_in(self, order, location=None, at=None):
        """The current user checks in on ``order`` (see fsm.order.action_check_in)."""
        order.ensure_one()
        point = parse_location(self.env, location)
        moment = parse_moment(self.env, at)
        code = order.stage_id.code
        if order.is_closed or code in (STAGE_COMPLETED, STAGE_CANCELLED):
            raise FsjApiError(
                _("Job %(job)s is %(stage)s: nobody checks in any more.", job=order.name, stage=order.stage_id.name),
                status=409,
                code="workflow_conflict",
            )
        user = self.env.user
        if self._open_visits(order, user):
            raise self._already_checked_in(order, user)
        first = not self.search_count([("order_id", "=", order.id)], limit=1)
        vals = {"order_id": order.id, "user_id": user.id, "check_in": moment, "check_in_located": bool(point)}
        if point:
            vals.update(
                check_in_latitude=point["lat"], check_in_longitude=point["lng"], check_in_accuracy=point["accuracy"]
            )
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                log = self._workflow().create(vals)
        except psycopg2.errors.UniqueViolation:  # the same technician, checking in twice at once
            raise self._already_checked_in(order, user) from None
        if code in (STAGE_NEW, STAGE_SCHEDULED):
            # the first visit starts the job at its check-in
            order.action_start(date_start=moment if first or not order.date_start else None)
        order._fsj_api_emit("checked_in", log._event_details("check_in"))
        return log

    def _already_checked_in(self, order, user):
        return FsjApiError(
            _("%(user)s is already checked in on job %(job)s: check out first.", user=user.name, job=order.name),
            status=409,
            code="already_checked_in",
        )

    @api.model
    def _visit_check_out(self, order, location=None, at=None, complete=False):
        """The current user checks out of ``order`` (see fsm.order.action_check_out)."""
        order.ensure_one()
        point = parse_location(self.env, location)
        moment = parse_moment(self.env, at)
        log = self._open_visits(order, self.env.user)[:1]
        if not log:
            raise FsjApiError(
                _("You are not checked in on job %(job)s.", job=order.name), status=409, code="not_checked_in"
            )
        if moment < log.check_in:
            raise FsjApiError(
                _("at: %(at)s is before the check-in (%(check_in)s UTC).", at=moment, check_in=log.check_in),
                details={"field": "at", "check_in": fields.Datetime.to_string(log.check_in)},
            )
        code = order.stage_id.code
        if complete:
            others = self._open_visits(order) - log
            if others:
                raise FsjApiError(
                    _(
                        "Job %(job)s cannot be completed: %(users)s still checked in.",
                        job=order.name,
                        users=", ".join(others.mapped("user_id.name")),
                    ),
                    status=409,
                    code="workflow_conflict",
                    details={"open_visits": others.ids},
                )
            if code == STAGE_CANCELLED:
                raise FsjApiError(
                    _("Job %(job)s is cancelled and cannot be completed.", job=order.name),
                    status=409,
                    code="workflow_conflict",
                )
        vals = {"check_out": moment, "check_out_located": bool(point)}
        if point:
            vals.update(
                check_out_latitude=point["lat"], check_out_longitude=point["lng"], check_out_accuracy=point["accuracy"]
            )
        log._workflow().write(vals)
        completed = bool(complete) and code != STAGE_COMPLETED
        if completed:
            order.with_context(fsm_jobs_workflow=True).action_complete(date_end=moment)
        order._fsj_api_emit("checked_out", dict(log._event_details("check_out"), completed=completed))
        return log

    def _event_details(self, side):
        """The details of a job.checked_in / job.checked_out event: the visit, with the position and
        distance of its ``side`` (check_in or check_out)."""
        self.ensure_one()
        located = self[f"{side}_located"]
        details = {
            "id": self.id,
            "user_id": self.user_id.id,
            "check_in": fields.Datetime.to_string(self.check_in),
            "location": {
                "lat": self[f"{side}_latitude"],
                "lng": self[f"{side}_longitude"],
                "accuracy": self[f"{side}_accuracy"] or None,
            }
            if located
            else None,
            "distance": round(self[f"{side}_distance"], 1) if located and self.site_located else None,
            "far_from_site": self.far_from_site,
        }
        if side == "check_out":
            details.update(check_out=fields.Datetime.to_string(self.check_out), duration=round(self.duration, 4))
        return details
