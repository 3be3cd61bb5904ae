# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An external reference: the id a record has in another system (a shop's order number, an ERP's
customer code, the work order id of the system a company migrates from). The REST API addresses
records by it (``/object/<model>/ref:<external_ref>``, upserts, ``{"ref": ...}`` in bodies)."""

from odoo import _, api, fields, models, tools

from ..exceptions import FsjApiError

# the suffix of the unique index of every model with an external reference (restapi/errors.py maps
# a violation of it to 409 duplicate_external_ref)
UNIQUE_INDEX_SUFFIX = "_fsj_external_ref_uniq"


class FsjExternalRefMixin(models.AbstractModel):
    _name = "fsj.external.ref.mixin"
    _description = "External Reference (REST API)"
    # the column that says the record's company: the reference is unique per company and model
    _fsj_external_ref_company_field = "company_id"

    external_ref = fields.Char(
        string="External Reference",
        copy=False,
        index="btree_not_null",
        help="The record's id in another system (a shop, an ERP, the system you migrate from). Unique per "
        "company; the REST API finds records by it (PUT /restapi/1.0/object/<model>/ref:<external_ref>).",
    )

    def init(self):
        res = super().init()
        if self._abstract or not self._auto:
            return res
        company = self._fsj_external_ref_company_field
        tools.create_unique_index(
            self.env.cr,
            f"{self._table}{UNIQUE_INDEX_SUFFIX}",
            self._table,
            [f"COALESCE({company}, 0)" if company else "0", "external_ref"],
        )
        return res

    @api.model
    def _fsj_api_find_by_ref(self, refs):
        """{external_ref: record} of the records with those references, as the user sees them, in the
        request's current company (or shared by all companies): a record of the company comes before
        a shared one with the same reference."""
        refs = [ref for ref in dict.fromkeys(refs) if isinstance(ref, str) and ref]
        if not refs:
            return {}
        company = self._fsj_external_ref_company_field
        domain = [("external_ref", "in", refs)]
        if company:
            domain.append((company, "in", [False, self.env.company.id]))
        found = {}
        for record in self.with_context(active_test=False).search(domain):
            if record.external_ref not in found or (company and record[company]):
                found[record.external_ref] = record
        return found

    @api.model
    def _fsj_api_check_ref(self, ref):
        if not isinstance(ref, str) or not ref.strip() or len(ref) > 255:
            raise FsjApiError(
                _("external_ref must be a non-empty string of at most 255 characters."),
                status=400,
                code="invalid_external_ref",
                details={"field": "external_ref"},
            )
        return ref
