# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import api, fields, models

from . import fsm_api_audit, fsm_api_auth_failure, fsm_api_change, fsm_api_idempotency, fsm_api_rate_limit, fsm_webhook

API_MODELS_PARAM = "fieldservice_jobs.api_models"
DEFAULT_API_MODELS = (
    "fsm.order,fsm.stage,fsm.location,fsm.person,fsm.order.type,fsm.team,fsm.tag,sale.order,res.partner,fsm.webhook,"
    "fsm.order.time.log"
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fsm_jobs_api_models = fields.Char(
        string="REST API Models",
        config_parameter=API_MODELS_PARAM,
        default=DEFAULT_API_MODELS,
        help="Technical names of the models the REST API exposes, separated by commas. "
        "Any other model answers 404, like an unknown one.",
    )

    fsm_jobs_api_audit_retention_days = fields.Integer(
        string="Audit Log Retention (days)",
        config_parameter=fsm_api_audit.RETENTION_PARAM,
        default=fsm_api_audit.RETENTION_DEFAULT,
    )
    fsm_jobs_api_idempotency_ttl_hours = fields.Integer(
        string="Idempotency Keys Kept (hours)",
        config_parameter=fsm_api_idempotency.TTL_PARAM,
        default=fsm_api_idempotency.TTL_DEFAULT,
    )
    fsm_jobs_api_auth_failure_limit = fields.Integer(
        string="Refused Keys Before Throttling",
        config_parameter=fsm_api_auth_failure.LIMIT_PARAM,
        default=fsm_api_auth_failure.LIMIT_DEFAULT,
    )
    fsm_jobs_api_auth_failure_window = fields.Integer(
        string="Throttling Window (seconds)",
        config_parameter=fsm_api_auth_failure.WINDOW_PARAM,
        default=fsm_api_auth_failure.WINDOW_DEFAULT,
    )

    fsm_jobs_api_cors_origins = fields.Char(
        string="Browser Origins (CORS)",
        config_parameter="fieldservice_jobs.api_cors_origins",
        help="Origins of browser and PWA clients allowed to call the REST API, e.g. "
        "https://app.example.com, separated by commas. Empty (the default): no browser origin.",
    )
    fsm_jobs_api_rate_limit = fields.Integer(
        string="Requests per Key and Window",
        config_parameter=fsm_api_rate_limit.LIMIT_PARAM,
        default=fsm_api_rate_limit.LIMIT_DEFAULT,
        help="Requests one API key may make per window; 0 (the default) turns rate limiting off. "
        "A key's scope may set its own limit.",
    )
    fsm_jobs_api_rate_limit_window = fields.Integer(
        string="Rate Limit Window (seconds)",
        config_parameter=fsm_api_rate_limit.WINDOW_PARAM,
        default=fsm_api_rate_limit.WINDOW_DEFAULT,
    )
    fsm_jobs_change_retention_days = fields.Integer(
        string="Changes Kept (days)",
        config_parameter=fsm_api_change.RETENTION_PARAM,
        default=fsm_api_change.RETENTION_DEFAULT,
        help="How long the change feed keeps changes and deletions (tombstones); an older cursor answers 410.",
    )
    fsm_jobs_webhook_timeout = fields.Integer(
        string="Webhook Timeout (seconds)",
        config_parameter=fsm_webhook.TIMEOUT_PARAM,
        default=fsm_webhook.TIMEOUT_DEFAULT,
    )
    fsm_jobs_webhook_allow_private = fields.Boolean(
        string="Webhooks to Private Addresses",
        config_parameter=fsm_webhook.ALLOW_PRIVATE_PARAM,
        help="Allow webhook URLs on loopback and private networks (off by default: a subscription could "
        "otherwise reach services inside your network).",
    )
    fsm_jobs_webhook_disable_after_days = fields.Integer(
        string="Disable Failing Webhooks After (days)",
        config_parameter=fsm_webhook.DISABLE_PARAM,
        default=fsm_webhook.DISABLE_DEFAULT,
        help="A subscription whose deliveries all fail for this long is disabled and its owner told; 0: never.",
    )
    fsm_jobs_webhook_secret_grace_hours = fields.Integer(
        string="Old Secret Signs For (hours)",
        config_parameter=fsm_webhook.GRACE_PARAM,
        default=fsm_webhook.GRACE_DEFAULT,
        help="After a secret is replaced, deliveries carry a signature with the old one too for this long.",
    )

    fsm_jobs_api_max_upload_mb = fields.Integer(
        string="Largest File (MiB)",
        config_parameter="fieldservice_jobs.api_max_upload_mb",
        default=25,
        help="Largest file the REST API accepts on a record (photos, documents); larger ones answer 413.",
    )
    fsm_jobs_api_upload_mimetypes = fields.Char(
        string="Allowed File Types",
        config_parameter="fieldservice_jobs.api_upload_mimetypes",
        help="MIME types the REST API accepts as files, separated by commas (e.g. image/png,image/jpeg,"
        "application/pdf; image/* for every image). Empty: any type.",
    )
    fsm_jobs_signature_blocking = fields.Boolean(
        string="Signature Required to Complete",
        config_parameter="fieldservice_jobs.signature_blocking",
        help="When the Completed stage requires a signature, a job without one cannot be completed "
        "(409 signature_required through the API). Off by default, as in OCA Field Service.",
    )
    fsm_jobs_checkin_max_distance = fields.Integer(
        string="Check-in Distance Flag (m)",
        config_parameter="fieldservice_jobs.checkin_max_distance",
        default=500,
        help="A check-in or check-out farther than this from the job's location is flagged.",
    )

    @api.model
    def _fsm_jobs_api_models(self):
        value = self.env["ir.config_parameter"].sudo().get_param(API_MODELS_PARAM, DEFAULT_API_MODELS)
        return {name.strip() for name in (value or "").split(",") if name.strip()}
