# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Per-model hooks of the REST API. restapi/service.py (ModelApi) is generic: wherever a model needs
its own rule, it asks the model through one of these hooks, which a model (e.g. fsm.order, in
models/fsm_order.py) or another addon overrides with ``_inherit``, extending dicts and lists after
``super()``."""

from odoo import api, models

# what the API asks fields_get for
FIELD_ATTRIBUTES = ["type", "relation", "selection", "required", "readonly", "store", "string", "model_field"]
# never shown nor written through the API, whatever the model
SECRET_FIELD_WORDS = ("password", "api_key", "apikey", "secret", "token", "totp")
# not in the default field set (ask for them by name)
NOT_DEFAULT_TYPES = ("binary", "image", "one2many")


class Base(models.AbstractModel):
    _inherit = "base"

    # -- fields ----------------------------------------------------------------------------------
    @api.model
    def _fsj_api_field_aliases(self):
        """Override to give fields an API name of their own: {API name: ORM field name}."""
        return {}

    @api.model
    def _fsj_api_hidden_fields(self):
        """Override to leave ORM fields out of the API (e.g. when an alias takes their name)."""
        return set()

    @api.model
    def _fsj_api_field_map(self, orm_fields):
        """Override to describe fields differently: the API's fields of this model,
        {API name: (ORM name, description)}, from ``orm_fields`` (fields_get as the user sees it):
        secret and hidden fields left out, aliases added."""
        hidden = self._fsj_api_hidden_fields()
        fields = {
            fname: (fname, desc)
            for fname, desc in orm_fields.items()
            if fname not in hidden and not any(word in fname for word in SECRET_FIELD_WORDS)
        }
        for api_name, orm_name in self._fsj_api_field_aliases().items():
            if orm_name in orm_fields:
                fields[api_name] = (orm_name, dict(orm_fields[orm_name]))
        return fields

    @api.model
    def _fsj_api_default_fields(self, field_map):
        """Override to change the fields answered when a client names none: by default the stored
        ones, without binaries and one2many."""
        return [
            name
            for name, (_orm, desc) in field_map.items()
            if desc.get("store") and desc["type"] not in NOT_DEFAULT_TYPES
        ]

    # -- reading ---------------------------------------------------------------------------------
    @api.model
    def _fsj_api_domain_leaf(self, api_name, orm_name, value):
        """Override to translate a top-level domain condition on the API field ``api_name`` (ORM
        field ``orm_name``): returns (ORM field, value), e.g. a stage given by its code."""
        return orm_name, value

    # -- writing ---------------------------------------------------------------------------------
    @api.model
    def _fsj_api_value_converters(self):
        """Override to convert some API fields' values yourself: {API name: callable(raw, cache)}
        returning (ORM field, ORM value), or None to let the API convert the value as usual.
        ``cache`` is a dict that lives for one request (e.g. for look-ups shared by a batch). Raise
        odoo.addons.fieldservice_jobs.exceptions.FsjApiError for a wrong value."""
        return {}

    @api.model
    def _fsj_api_check_vals(self, vals, creating):
        """Override to refuse values (ORM names) before they are written: raise FsjApiError."""
        return None

    def _fsj_api_write(self, vals):
        """Override to write API values another way (e.g. a stage change that runs a workflow)."""
        return self.write(vals)

    def _fsj_api_unlink(self):
        """Override to refuse or change a delete through the API."""
        return self.unlink()

    # -- methods ---------------------------------------------------------------------------------
    @api.model
    def _fsj_api_methods(self):
        """Override to make methods callable through POST /object/<model>/<id>/<method>:
        {method name: {argument: fields_get-like description}}. Only public methods can be listed."""
        return {}

    def _fsj_api_call(self, method, kwargs):
        """Override to call a listed method in another context (e.g. with workflow guards)."""
        return getattr(self, method)(**kwargs)
