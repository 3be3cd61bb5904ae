# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.2.0: webhooks and job visits (check-in / check-out time logs) join the REST API's default
allowlist. A database still on the previous default gets them; an allowlist someone chose is left as it
is (add fsm.webhook and fsm.order.time.log by hand to reach them through the API)."""

from odoo import SUPERUSER_ID, api

PREVIOUS_DEFAULT = "fsm.order,fsm.stage,fsm.location,fsm.person,fsm.order.type,fsm.team,fsm.tag,sale.order,res.partner"
# the default of 18.0.1.2.0 development builds, before the visits
WEBHOOKS_DEFAULT = f"{PREVIOUS_DEFAULT},fsm.webhook"
NEW_DEFAULT = f"{WEBHOOKS_DEFAULT},fsm.order.time.log"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    params = env["ir.config_parameter"]
    current = params.get_param("fieldservice_jobs.api_models")
    if current and current.replace(" ", "") in (PREVIOUS_DEFAULT, WEBHOOKS_DEFAULT):
        params.set_param("fieldservice_jobs.api_models", NEW_DEFAULT)
