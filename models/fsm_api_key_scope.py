# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import api, fields, models, tools

from .res_users_apikeys import ensure_apikey_foreign_key


class FsmApiKeyScope(models.Model):
    """Restricts one Odoo API key, for the REST API, to some models and/or to reading. A key with a
    scope serves the REST API only: it gets the API's own res.users.apikeys scope, which Odoo's
    XML-RPC and JSON-RPC refuse. Expiry and revocation stay Odoo's own (the scope goes with its key)."""

    _name = "fsm.api.key.scope"
    _description = "Field Service REST API Key Scope"

    apikey_id = fields.Many2one("res.users.apikeys", string="API Key", required=True, index=True, ondelete="cascade")
    key_user_id = fields.Many2one("res.users", related="apikey_id.user_id", string="Key Owner")
    model_names = fields.Char(
        string="Models",
        help="Technical names of the models this key may use, separated by commas; empty: all exposed models.",
    )
    read_only = fields.Boolean(help="The key may only read (GET); writes answer 403.")
    rate_limit = fields.Integer(
        help="Requests this key may make per rate-limit window (Settings); 0: the default of Settings.",
    )
    stage_numbering = fields.Selection(
        [
            ("odoo", "Odoo's ids"),
            ("jdx", "Seed 000 (JDX): New 1, Scheduled 2, In Progress 3, Completed 4, Cancelled 5"),
        ],
        default="odoo",
        required=True,
        help="How this key numbers the five job stages. JDX: as seed 000's integrations hard-code them, "
        "everywhere a stage id appears (answers, bodies, domains, the dashboard, the change feed); the key "
        "then sees only those five stages. Other keys keep Odoo's ids.",
    )

    _sql_constraints = [("apikey_uniq", "unique(apikey_id)", "A key has one scope.")]

    def init(self):
        ensure_apikey_foreign_key(self.env.cr, self._table)

    @api.model
    @tools.ormcache("apikey_id")
    def _scope_of(self, apikey_id):
        """(allowed models, read-only, rate limit) of a key, or None: looked up once per worker, cleared on every
        worker when scopes change."""
        scope = self.sudo().search([("apikey_id", "=", apikey_id)], limit=1)
        if not scope:
            return None
        return (frozenset(scope.allowed_models()), scope.read_only, scope.rate_limit, scope.stage_numbering)

    @api.model
    def _fsj_api_access(self):
        """(models the request's key may use, read-only) for the key in the context
        (``fsj_api_key_id``): the allowlist of Settings, narrowed by the key's scope."""
        exposed = self.env["res.config.settings"]._fsm_jobs_api_models()
        key_id = self.env.context.get("fsj_api_key_id")
        scope = self._scope_of(key_id) if key_id else None
        if scope and scope[0]:
            exposed &= scope[0]
        return exposed, bool(scope and scope[1])

    @api.model
    def _fsj_api_id_maps(self, apikey_id):
        """The ids the key speaks for some models, as a context value: ``((model, ((ORM id, API id),
        ...)), ...)``; empty for most keys (the JDX stage numbering gives fsm.stage's)."""
        scope = self._scope_of(apikey_id) if apikey_id else None
        return self._fsj_id_maps_of(scope[3] if scope else "odoo")

    @api.model
    def _fsj_id_maps_of(self, stage_numbering):
        """The context value ``fsj_id_maps`` of a stage numbering ('odoo': none)."""
        if stage_numbering != "jdx":
            return ()
        return (("fsm.stage", tuple(self.env["fsm.stage"]._fsj_jdx_numbers().items())),)

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        scopes = super().create(vals_list)
        scopes.apikey_id._fsj_restrict_to_restapi()
        return scopes

    def write(self, vals):
        self.env.registry.clear_cache()
        res = super().write(vals)
        if "apikey_id" in vals:
            self.apikey_id._fsj_restrict_to_restapi()
        return res

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    def allowed_models(self):
        self.ensure_one()
        return {name.strip() for name in (self.model_names or "").split(",") if name.strip()}
