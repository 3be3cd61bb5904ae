# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# The job workflow, in order. Integrations address stages by these codes, never by database ids.
STAGE_NEW = "new"
STAGE_SCHEDULED = "scheduled"
STAGE_IN_PROGRESS = "in_progress"
STAGE_COMPLETED = "completed"
STAGE_CANCELLED = "cancelled"
JOB_STAGE_CODES = (STAGE_NEW, STAGE_SCHEDULED, STAGE_IN_PROGRESS, STAGE_COMPLETED, STAGE_CANCELLED)


class FSMStage(models.Model):
    _inherit = "fsm.stage"

    code = fields.Char(
        index=True,
        copy=False,
        help="Stable identifier of the stage for integrations (e.g. 'in_progress'); unique per stage type.",
    )

    _sql_constraints = [
        (
            "code_stage_type_uniq",
            "unique(code, stage_type)",
            "A stage code must be unique per stage type.",
        ),
    ]

    @api.constrains("code", "stage_type", "company_id")
    def _check_job_stage_company(self):
        """The job workflow is one for all companies: its stages, found by code, are shared."""
        for stage in self:
            if stage.stage_type == "order" and stage.code in JOB_STAGE_CODES and stage.company_id:
                raise ValidationError(
                    _(
                        "The job stage %(stage)s is shared by all companies and cannot belong to one.",
                        stage=stage.name,
                    )
                )

    @api.model
    def _get_job_stage(self, code):
        """The order stage with this code (empty recordset when there is none)."""
        return self.search([("stage_type", "=", "order"), ("code", "=", code)], limit=1)

    @api.model
    def _fsj_jdx_numbers(self):
        """{stage id: seed 000's number} of the five job stages: New 1, Scheduled 2, In Progress 3,
        Completed 4, Cancelled 5 (the JDX stage numbering of an API key)."""
        numbers = {}
        for number, code in enumerate(JOB_STAGE_CODES, start=1):
            stage = self._get_job_stage(code)
            if stage:
                numbers[stage.id] = number
        return numbers
