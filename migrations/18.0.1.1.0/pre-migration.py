# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.1.0: idempotency keys are stored per API key, no longer per user."""


def migrate(cr, version):
    cr.execute("ALTER TABLE fsm_api_idempotency DROP CONSTRAINT IF EXISTS fsm_api_idempotency_user_key_uniq")
    # answers stored per user cannot be told apart by key: let them go (they live 24 hours anyway)
    cr.execute("DELETE FROM fsm_api_idempotency")
