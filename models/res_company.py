# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Every company can run jobs (readme/CONFIGURE.md, Multi-company).

OCA gives a job the first order stage and the first team of the current company, and refuses it
when there is none; its stages and its one team belong to the company the module was installed in.
Here the five job stages are shared by all companies (no company), and each company has a team of
its own: given when the company is created, and at each install or update of this addon
(data/res_company.xml) to the companies that have none."""

from odoo import _, api, models

from .fsm_stage import JOB_STAGE_CODES


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._fsm_jobs_ensure_default_team()
        return companies

    def _fsm_jobs_ensure_default_team(self):
        """A team for each of these companies that has none, archived ones included (a company whose
        teams were all archived on purpose is left alone)."""
        teams = self.env["fsm.team"].sudo().with_context(active_test=False)
        have = {company.id for [company] in teams._read_group([("company_id", "in", self.ids)], ["company_id"])}
        for company in self.filtered(lambda c: c.id not in have):
            name = _("Default Team (%(company)s)", company=company.name)
            if teams.search_count([("name", "=", name)], limit=1):  # team names are unique
                name = f"{name} [{company.id}]"
            teams.with_company(company).create({"name": name, "company_id": company.id})

    @api.model
    def _fsm_jobs_setup_companies(self):
        """Install and update (data/res_company.xml): the job stages shared by all companies, and a
        default team for each company that has none."""
        stages = (
            self.env["fsm.stage"]
            .sudo()
            .with_context(active_test=False)
            .search([("stage_type", "=", "order"), ("code", "in", JOB_STAGE_CODES), ("company_id", "!=", False)])
        )
        if stages:
            stages.write({"company_id": False})
        self.sudo().with_context(active_test=False).search([])._fsm_jobs_ensure_default_team()
        return True
