# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.1.0: the hourly clean-up cron gives way to Odoo's daily autovacuum (@api.autovacuum)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("fieldservice_jobs.ir_cron_fsm_api_gc", raise_if_not_found=False)
    if cron:
        cron.unlink()
