# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import re

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.base.models.res_partner import Partner

# context keys that make a partner's display name more than its complete name (Partner._compute_display_name)
NAME_CONTEXT_KEYS = ("show_address", "partner_show_db_id", "address_inline", "show_email", "show_vat")


# a complete name that complete_name_label changes: a line break, or white space (str.isspace) at an end
LABEL_CHANGES_RE = (
    r"\n|^[\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    r"|[\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$"
)


def complete_name_label(complete_name):
    """A partner's display name from its complete name, as Partner._compute_display_name makes it."""
    return re.sub(r"\s+\n", "\n", complete_name).strip()


class ResPartner(models.Model):
    """Customers get an external reference (models/fsj_external_ref_mixin.py). Technicians
    (fsm.person) share their partner's; locations have their own."""

    _name = "res.partner"
    _inherit = ["res.partner", "fsj.external.ref.mixin"]

    # -- REST API hooks (models/base.py) -----------------------------------------------------------
    @api.model
    def _fsj_api_name_paths(self):
        if self._fsj_named_by_complete_name():
            # the stored complete name's column, not its inputs (parent, type, commercial company)
            return ["name", "complete_name"], ("complete_name",)
        return super()._fsj_api_name_paths()

    @api.model
    def _fsj_api_name_columns(self):
        if self._fsj_named_by_complete_name():
            return ["name", "complete_name"]
        return super()._fsj_api_name_columns()

    @api.model
    def _fsj_api_names_from_columns(self, rows):
        """As ``_fsj_api_display_names``: a partner without a name is left to Odoo's compute."""
        if not self._fsj_named_by_complete_name():
            return super()._fsj_api_names_from_columns(rows)
        return {id_: complete_name_label(complete) for id_, name, complete in rows if name and complete}

    @api.model
    def _fsj_api_name_json_sql(self, alias, query):
        """A named partner's complete name as it is (NULL, the Python way, for a nameless partner or
        a complete name that ``complete_name_label`` would change)."""
        if not self._fsj_named_by_complete_name():
            return super()._fsj_api_name_json_sql(alias, query)
        if type(self)._fsj_api_names_from_columns is not ResPartner._fsj_api_names_from_columns:
            return None
        name = self._field_to_sql(alias, "name", query)
        complete = self._field_to_sql(alias, "complete_name", query)
        return SQL(
            "CASE WHEN %(name)s IS NULL OR %(name)s = '' OR %(complete)s IS NULL OR %(complete)s = '' "
            "OR %(complete)s ~ %(changes)s THEN NULL ELSE to_json((%(complete)s)::text)::text END",
            name=name,
            complete=complete,
            changes=LABEL_CHANGES_RE,
        )

    def _fsj_api_display_names(self):
        """A partner with a name is named by its stored ``complete_name``, which Odoo's display name
        compute returns (whitespace handled as it does) when neither the compute nor
        ``_get_complete_name`` is overridden and no context key adds to the name; the request's
        language matters only for a partner without a name, which goes through Odoo's compute. The
        column is read through the ORM: a rename not saved yet is recomputed first."""
        if not self._fsj_named_by_complete_name():
            return super()._fsj_api_display_names()
        names, others = {}, []
        columns = zip(self._ids, self.mapped("name"), self.mapped("complete_name"), strict=True)
        for id_, name, complete_name in columns:
            if name and complete_name:
                names[id_] = complete_name_label(complete_name)
            else:
                others.append(id_)
        names.update((partner.id, partner.display_name) for partner in self.browse(others))
        return names

    @api.model
    def _fsj_named_by_complete_name(self):
        cls = type(self)
        return (
            cls._compute_display_name is Partner._compute_display_name
            and cls._get_complete_name is Partner._get_complete_name
            and self._fields["complete_name"].compute == "_compute_complete_name"
            and cls._compute_complete_name is Partner._compute_complete_name
            and not any(self.env.context.get(key) for key in NAME_CONTEXT_KEYS)
        )
