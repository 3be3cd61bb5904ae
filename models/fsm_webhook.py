# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import base64
import binascii
import datetime
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from odoo import _, api, fields, models

from ..exceptions import FsjApiError

SECRET_PREFIX = "whsec_"
ALLOW_PRIVATE_PARAM = "fieldservice_jobs.webhook_allow_private"
GRACE_PARAM = "fieldservice_jobs.webhook_secret_grace_hours"
GRACE_DEFAULT = 24  # hours the old secret still signs after a rotation
DISABLE_PARAM = "fieldservice_jobs.webhook_disable_after_days"
DISABLE_DEFAULT = 5  # days of failures (no delivery succeeding) before a subscription is disabled
TIMEOUT_PARAM = "fieldservice_jobs.webhook_timeout"
TIMEOUT_DEFAULT = 10  # seconds


def generate_secret():
    """A Standard Webhooks secret: 'whsec_' + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def check_secret(secret):
    """Raise ValueError unless ``secret`` is 'whsec_' + base64 of 16 to 64 bytes."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError("a secret starts with 'whsec_'")
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a secret is 'whsec_' followed by base64") from None
    if not 16 <= len(raw) <= 64:
        raise ValueError("a secret holds 16 to 64 bytes")


def private_address(host):
    """The first loopback, private, link-local or otherwise non-public address ``host`` resolves to,
    or None. A name that does not resolve counts as private (nothing to check it against)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return host
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


class FsmWebhook(models.Model):
    """A webhook subscription: the events of ``model`` are POSTed to ``url``, signed with ``secret``
    as the Standard Webhooks specification says (https://www.standardwebhooks.com). Delivered by the
    cron "Field Service: deliver webhooks" (restapi/worker.py) from the change log
    (models/fsm_api_change.py); each record is rendered as the subscription's owner sees it."""

    _name = "fsm.webhook"
    _description = "Field Service Webhook"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    url = fields.Char(string="URL", required=True, tracking=True, help="http:// or https:// address to POST events to.")
    model = fields.Char(required=True, default="fsm.order", readonly=True)
    events = fields.Json(
        string="Event Types",
        default=list,
        help='Event types to send, e.g. ["job.created", "job.stage_changed"]; empty: all of them.',
    )
    events_display = fields.Char(string="Events", compute="_compute_events_display")
    model_fields = fields.Json(
        help='API field names of the record to include, e.g. ["name", "stage_id"]; empty: as GET answers.'
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
        help="Records are sent as this user sees them; told when the subscription is disabled.",
    )
    stage_numbering = fields.Selection(
        [("odoo", "Odoo's ids"), ("jdx", "Seed 000 (JDX): 1-5")],
        default=lambda self: "jdx" if self.env.context.get("fsj_id_maps") else "odoo",
        required=True,
        help="How stage ids are written in the events: as the API key that made the subscription speaks "
        "them (JDX: seed 000's numbers).",
    )
    secret = fields.Char(string="Signing Secret", groups="base.group_system", copy=False)
    previous_secret = fields.Char(string="Previous Signing Secret", groups="base.group_system", copy=False)
    previous_secret_until = fields.Datetime(readonly=True, copy=False)
    new_secret = fields.Char(
        string="Secret",
        compute="_compute_new_secret",
        inverse="_inverse_new_secret",
        default=lambda self: generate_secret(),
        help="Write-only: the signing secret ('whsec_' + base64). Copy it now; it is never shown again. "
        "A new one replaces the old, which keeps signing for the grace period.",
    )
    failing_since = fields.Datetime(readonly=True, copy=False, help="First failure since the last delivery.")
    disabled_reason = fields.Char(readonly=True, copy=False)
    delivery_ids = fields.One2many("fsm.webhook.delivery", "webhook_id", string="Deliveries")
    delivery_count = fields.Integer(compute="_compute_delivery_count")

    # -- computes ---------------------------------------------------------------------------------
    @api.depends("events")
    def _compute_events_display(self):
        for hook in self:
            hook.events_display = ", ".join(hook.events or []) or _("All events")

    def _compute_new_secret(self):
        self.new_secret = False  # never read back

    def _inverse_new_secret(self):
        for hook in self.filtered("new_secret"):
            hook._set_secret(hook.new_secret)

    def _compute_delivery_count(self):
        counts = dict(
            self.env["fsm.webhook.delivery"]._read_group([("webhook_id", "in", self.ids)], ["webhook_id"], ["__count"])
        )
        for hook in self:
            hook.delivery_count = counts.get(hook, 0)

    # -- constraints ------------------------------------------------------------------------------
    @api.constrains("url")
    def _check_url(self):
        allow_private = self.env["ir.config_parameter"].sudo().get_param(ALLOW_PRIVATE_PARAM)
        for hook in self:
            parts = urlsplit(hook.url or "")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FsjApiError(
                    _("url: an http:// or https:// address, got %(url)r.", url=hook.url),
                    status=422,
                    code="invalid_value",
                    details={"field": "url"},
                )
            if not allow_private and (address := private_address(parts.hostname)):
                raise FsjApiError(
                    _(
                        "url: %(host)s is a private or loopback address (%(address)s); webhooks go to public "
                        "addresses unless Settings allow private ones.",
                        host=parts.hostname,
                        address=address,
                    ),
                    status=422,
                    code="invalid_value",
                    details={"field": "url"},
                )

    @api.constrains("events", "model")
    def _check_events(self):
        for hook in self:
            known = self.env[hook.model]._fsj_api_event_types() if hook.model in self.env else {}
            events = hook.events or []
            if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
                raise FsjApiError(
                    _("events: a list of event types."), status=422, code="invalid_value", details={"field": "events"}
                )
            unknown = sorted(set(events) - set(known))
            if unknown:
                raise FsjApiError(
                    _("events: unknown event type(s) %(types)s.", types=", ".join(unknown)),
                    status=422,
                    code="invalid_value",
                    details={"field": "events", "allowed": sorted(known)},
                )

    @api.constrains("model_fields", "model")
    def _check_model_fields(self):
        for hook in self.filtered("model_fields"):
            names = hook.model_fields
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise FsjApiError(
                    _("model_fields: a list of field names."),
                    status=422,
                    code="invalid_value",
                    details={"field": "model_fields"},
                )
            known = self.env["ir.model"].with_user(hook.user_id)._fsj_api_fields(hook.model)
            unknown = [n for n in names if n not in known]
            if unknown:
                raise FsjApiError(
                    _("model_fields: unknown field(s) %(fields)s.", fields=", ".join(unknown)),
                    status=422,
                    code="invalid_value",
                    details={"field": "model_fields", "fields": unknown},
                )

    # -- CRUD -------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.is_system():
                vals["user_id"] = self.env.uid  # records are rendered as their owner: one's own rights
            if not vals.get("new_secret"):
                vals["new_secret"] = generate_secret()
        hooks = super().create(vals_list)
        self.env.registry.clear_cache()  # fsm.api.change._webhook_models
        return hooks

    def write(self, vals):
        if "user_id" in vals and not self.env.is_system():
            # records are sent as the owner sees them: only an administrator may lend another's rights
            raise FsjApiError(
                _("Only an administrator may change a webhook's owner."), status=403, code="access_denied"
            )
        res = super().write(vals)
        if {"active", "model"} & set(vals):
            self.env.registry.clear_cache()
        if vals.get("active"):
            self.sudo().write({"failing_since": False, "disabled_reason": False})
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    def _set_secret(self, secret):
        """Sign with ``secret`` from now on; the current one keeps signing for the grace period."""
        try:
            check_secret(secret)
        except ValueError as exc:
            raise FsjApiError(
                _("secret: %(why)s.", why=str(exc)), status=422, code="invalid_value", details={"field": "secret"}
            ) from None
        for hook in self.sudo():
            if hook.secret and hook.secret != secret:
                hours = int(self.env["ir.config_parameter"].sudo().get_param(GRACE_PARAM, GRACE_DEFAULT) or 0)
                hook.previous_secret = hook.secret
                hook.previous_secret_until = fields.Datetime.now() + datetime.timedelta(hours=hours)
            hook.secret = secret

    def _signing_secrets(self):
        """The secrets that sign a delivery now: the current one, and the previous one in its grace."""
        self.ensure_one()
        hook = self.sudo()
        found = [hook.secret]
        if hook.previous_secret and hook.previous_secret_until and hook.previous_secret_until > fields.Datetime.now():
            found.append(hook.previous_secret)
        return [s for s in found if s]

    # -- backend buttons --------------------------------------------------------------------------
    def action_rotate_secret(self):
        """A new secret, shown once; the old one still signs for the grace period."""
        self.ensure_one()
        secret = generate_secret()
        self._set_secret(secret)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("New secret of %(name)s: copy it now, it is not shown again.", name=self.name),
                "message": secret,
                "sticky": True,
                "type": "warning",
            },
        }

    def action_send_test(self):
        """Queue a 'webhook.test' event to each subscription, delivered at once."""
        self.check_access("write")  # deliveries are bookkeeping (sudo); asking for one needs this right
        deliveries = self.env["fsm.webhook.delivery"].sudo()._create_test(self)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Test event queued"),
                "message": _("%(count)s test event(s) will be delivered in a moment.", count=len(deliveries)),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("fieldservice_jobs.action_fsm_webhook_delivery")
        action["domain"] = [("webhook_id", "=", self.id)]
        action["context"] = {"default_webhook_id": self.id}
        return action

    def _private_target(self):
        """The private or loopback address this subscription's URL leads to, unless Settings allow
        them; checked again at each delivery (a name may resolve elsewhere since it was saved)."""
        self.ensure_one()
        if self.env["ir.config_parameter"].sudo().get_param(ALLOW_PRIVATE_PARAM):
            return None
        host = urlsplit(self.url or "").hostname
        return private_address(host) if host else "no host"

    # -- health -----------------------------------------------------------------------------------
    def _record_outcome(self, delivered):
        """After a delivery attempt: a success clears the failure streak; a subscription failing for
        longer than the setting allows is disabled and its owner told."""
        now = fields.Datetime.now()
        for hook in self.sudo():
            if delivered:
                if hook.failing_since:
                    hook.failing_since = False
                continue
            if not hook.failing_since:
                hook.failing_since = now
                continue
            days = int(self.env["ir.config_parameter"].sudo().get_param(DISABLE_PARAM, DISABLE_DEFAULT) or 0)
            if days and hook.active and now - hook.failing_since >= datetime.timedelta(days=days):
                hook._disable(_("Every delivery failed for %(days)s days.", days=days))

    def _disable(self, reason):
        for hook in self:
            hook.write({"active": False, "disabled_reason": reason})
            hook.message_post(
                body=_(
                    "This webhook was disabled: %(reason)s Fix the receiver, then activate it again.", reason=reason
                ),
                partner_ids=hook.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )

    # -- REST API hooks (models/base.py) ----------------------------------------------------------
    @api.model
    def _fsj_api_field_map(self, orm_fields):
        fields_ = super()._fsj_api_field_map(orm_fields)  # leaves out every field named like a secret
        if "new_secret" in orm_fields:
            # written as 'secret', never read back: null in answers (the create answer shows it once)
            fields_["secret"] = ("new_secret", dict(orm_fields["new_secret"], store=False))
        for name in ("events_display", "delivery_count", "delivery_ids", "previous_secret_until"):
            fields_.pop(name, None)
        return fields_

    def _fsj_api_created(self, rows):
        for hook, row in zip(self.sudo(), rows, strict=True):
            row["secret"] = hook.secret
        return rows

    @api.model
    def _fsj_api_methods(self):
        return dict(super()._fsj_api_methods(), action_send_test={})
