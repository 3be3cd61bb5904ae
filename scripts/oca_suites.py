# Run by ./run-tests through `odoo-bin shell` (stdin): runs OCA's own test suites for the modules named
# in FSJ_OCA_SUITES on the installed database, with the full registry -- fieldservice_jobs included --
# loaded. (During a plain install, OCA's at_install tests run before this addon is loaded, so they would
# not see its overrides.) `env` and `odoo` come from the shell.
import os

from odoo.tests import loader
from odoo.tests.result import OdooTestResult

modules = [m for m in os.environ["FSJ_OCA_SUITES"].split(",") if m]
assert env["ir.module.module"].search_count([("name", "=", "fieldservice_jobs"), ("state", "=", "installed")]), (
    "fieldservice_jobs is not installed"
)
env.cr.rollback()
total = OdooTestResult()
for position in ("at_install", "post_install"):
    suite = loader.make_suite(modules, position)
    total.update(loader.run_suite(suite))
print("OCA suites with fieldservice_jobs loaded:", total)
import logging  # noqa: E402

logging.getLogger("odoo.tests.result").info("%s", total)
