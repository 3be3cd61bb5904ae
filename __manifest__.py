# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Field Service Jobs",
    "summary": "Installation and service jobs on Field Service orders, with a REST API",
    "version": "18.0.1.2.0",
    "category": "Field Service",
    "website": "https://github.com/fieldservice-jobs/fieldservice_jobs",
    "author": "fieldservice_jobs authors",
    "license": "AGPL-3",
    "maintainers": ["fieldservice-jobs"],
    "development_status": "Beta",
    "application": False,
    "installable": True,
    "depends": ["fieldservice", "fieldservice_sale"],
    "data": [
        "security/ir.model.access.csv",
        "data/fsm_stage.xml",
        "data/res_company.xml",
        "data/fsm_order_type.xml",
        "data/ir_sequence.xml",
        "data/ir_actions_server.xml",
        "data/ir_cron.xml",
        "views/fsm_stage.xml",
        "views/fsm_order_type.xml",
        "views/fsm_order.xml",
        "views/fsm_api_audit.xml",
        "views/fsm_api_key_scope.xml",
        "views/res_users_apikeys_description.xml",
        "views/fsm_webhook.xml",
        "views/fsm_webhook_delivery.xml",
        "views/fsm_webhook_attempt.xml",
        "views/fsm_api_change.xml",
        "views/res_config_settings.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "fieldservice_jobs/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/fsm_order_demo.xml",
    ],
}
