# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Allowed actions (issue 14): the pseudo-field ``actions`` of a job (models/base.py's
``_fsj_api_pseudo_fields``, fsm.order's ``_fsj_api_actions``) and the dashboard's per-stage actions."""

import json

from odoo.tests import tagged

from ..models.fsm_order import SIGNATURE_BLOCKING_PARAM
from .test_restapi_trust import TrustCase

EVERY_STAGE = {
    "new": ["schedule", "start", "complete", "cancel", "check_in", "update", "delete"],
    "scheduled": ["schedule", "start", "complete", "cancel", "check_in", "update"],
    "in_progress": ["complete", "cancel", "check_in", "update"],
    "completed": ["update"],
    "cancelled": ["update"],
}


@tagged("post_install", "-at_install")
class TestAllowedActions(TrustCase):
    def job_in(self, code, **values):
        job = self.env["fsm.order"].create({"partner_id": self.customer.id, **values})
        if code != "new":
            job.action_set_stage(self.stage[code])
        self.assertEqual(job.stage_id.code, code)
        return job

    def actions_of(self, job, key=True):
        resp = self.call("GET", f"/object/fsm.order/{job.id}", params={"fields": "name,actions"}, key=key)
        self.assertEqual(resp.status_code, 200, resp.text)
        return resp.json()["fsm.order"]["actions"]

    def test_actions_follow_the_workflow(self):
        jobs = {code: self.job_in(code) for code in EVERY_STAGE}
        for code, expected in EVERY_STAGE.items():
            with self.subTest(stage=code):
                self.assertEqual(self.actions_of(jobs[code]), expected)
        # a list answers them too, each job its own
        resp = self.call(
            "GET",
            "/object/fsm.order",
            params={"fields": "stage_id,actions", "domain": json.dumps([["id", "in", [j.id for j in jobs.values()]]])},
        )
        by_id = {row["id"]: row["actions"] for row in resp.json()["fsm.order"]}
        self.assertEqual({code: by_id[job.id] for code, job in jobs.items()}, EVERY_STAGE)

    def test_what_is_not_listed_is_refused(self):
        """The list tells the truth: an action it leaves out answers an error, one it lists works."""
        job = self.job_in("in_progress")
        self.assertNotIn("delete", self.actions_of(job))
        self.assertError(self.call("DELETE", f"/object/fsm.order/{job.id}"), 409, "workflow_conflict")
        self.assertNotIn("start", self.actions_of(job))
        self.assertError(self.call("POST", f"/object/fsm.order/{job.id}/action_start", {}), 409, "workflow_conflict")
        done = self.job_in("completed")
        self.assertNotIn("check_in", self.actions_of(done))
        self.assertError(self.call("POST", f"/object/fsm.order/{done.id}/check_in", {}), 409, "workflow_conflict")
        self.assertIn("complete", self.actions_of(job))
        self.assertEqual(self.call("POST", f"/object/fsm.order/{job.id}/action_complete", {}).status_code, 200)
        self.assertEqual(self.actions_of(job), ["update"])

    def test_check_in_and_out_follow_the_user_s_own_visit(self):
        job = self.job_in("scheduled")
        self.assertEqual(self.call("POST", f"/object/fsm.order/{job.id}/check_in", {}).status_code, 200)
        self.assertEqual(self.actions_of(job), ["complete", "cancel", "check_out", "update"])
        # another user, not checked in, may check in too
        other = self.fsm_user("actions_other_tech")
        self.assertEqual(self.actions_of(job, key=self.user_key(other)), ["complete", "cancel", "check_in", "update"])
        self.assertEqual(self.call("POST", f"/object/fsm.order/{job.id}/check_out", {}).status_code, 200)
        self.assertEqual(self.actions_of(job), ["complete", "cancel", "check_in", "update"])
        # checked in when the job was completed by someone else: still checks out
        self.assertEqual(self.call("POST", f"/object/fsm.order/{job.id}/check_in", {}).status_code, 200)
        job.with_context(fsm_jobs_workflow=True).action_complete()
        self.assertEqual(self.actions_of(job), ["check_out", "update"])

    def test_the_user_s_rights_narrow_them(self):
        user = self.fsm_user("actions_fsm_user")  # reads and writes jobs, deletes none
        key = self.user_key(user)
        new = self.job_in("new")
        self.assertEqual(self.actions_of(new, key), ["schedule", "start", "complete", "cancel", "check_in", "update"])
        # a (global) record rule takes writing some jobs away
        self.env["ir.rule"].create(
            {
                "name": "locked jobs",
                "model_id": self.env.ref("fieldservice.model_fsm_order").id,
                "domain_force": "[('priority', '!=', '3')]",
                "perm_read": False,
                "perm_create": False,
                "perm_unlink": False,
            }
        )
        locked_new = self.job_in("new", priority="3")
        locked_started = self.job_in("in_progress", priority="3")
        self.assertEqual(self.actions_of(locked_new, key), [])  # a check-in would start it: a write
        self.assertEqual(self.actions_of(locked_started, key), ["check_in"])
        self.assertEqual(self.actions_of(new, key)[-1], "update")  # the others stay as they were
        resp = self.call("POST", f"/object/fsm.order/{locked_started.id}/check_in", {}, key=key)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(self.actions_of(locked_started, key), ["check_out"])
        resp = self.call("PUT", f"/object/fsm.order/{locked_new.id}", {"duration": 2.0}, key=key)
        self.assertError(resp, 403, "access_denied")
        # a read-only key does nothing
        reader = self.restapi_key("actions reader", read_only=True)
        self.assertEqual(self.actions_of(new, reader), [])

    def test_a_missing_signature_blocks_completing(self):
        job = self.job_in("in_progress")
        self.assertIn("complete", self.actions_of(job))
        self.env["ir.config_parameter"].set_param(SIGNATURE_BLOCKING_PARAM, "1")
        self.stage["completed"].require_signature = True
        self.assertNotIn("complete", self.actions_of(job))
        job.signature = (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        )
        self.assertIn("complete", self.actions_of(job))

    def test_a_pseudo_field_is_only_read(self):
        job = self.job_in("new")
        row = self.call("GET", f"/object/fsm.order/{job.id}").json()["fsm.order"]
        self.assertNotIn("actions", row)  # not in the default set
        for method in ("PUT", "PATCH"):
            with self.subTest(method=method):
                resp = self.call(method, f"/object/fsm.order/{job.id}", {"actions": ["start"]})
                self.assertEqual(resp.status_code // 100, 4, resp.text)
        params = {"domain": json.dumps([["actions", "=", "start"]])}
        self.assertError(self.call("GET", "/object/fsm.order", params=params), 400, "unknown_field")
        self.assertError(self.call("GET", "/object/fsm.order", params={"order": "actions"}), 400, "invalid_order")
        # a model that describes no actions has no such pseudo-field
        resp = self.call("GET", "/object/res.partner", params={"fields": "name,actions"})
        self.assertError(resp, 400, "unknown_field")
        self.assertEqual(job.stage_id, self.stage["new"])

    def test_dashboard_stages_say_what_they_allow(self):
        resp = self.call("GET", "/fsm/dashboard")
        self.assertEqual(resp.status_code, 200, resp.text)
        stages = {stage["code"]: stage["actions"] for stage in resp.json()["stages"]}
        self.assertEqual(
            stages,
            {
                "new": ["schedule", "start", "complete", "cancel", "check_in", "update", "delete"],
                "scheduled": ["schedule", "start", "complete", "cancel", "check_in", "update"],
                "in_progress": ["complete", "cancel", "check_in", "check_out", "update"],
                "completed": ["update"],
                "cancelled": ["update"],
            },
        )
        user = self.fsm_user("actions_dashboard_user")
        resp = self.call("GET", "/fsm/dashboard", key=self.user_key(user))
        self.assertNotIn("delete", {a for stage in resp.json()["stages"] for a in stage["actions"]})
        reader = self.restapi_key("dashboard reader", read_only=True)
        resp = self.call("GET", "/fsm/dashboard", key=reader)
        self.assertEqual({tuple(stage["actions"]) for stage in resp.json()["stages"]}, {()})

    def test_the_model_describes_its_actions(self):
        pseudo = self.env["fsm.order"]._fsj_api_pseudo_fields()
        method, desc = pseudo["actions"]
        self.assertEqual(method, "_fsj_api_actions")
        self.assertEqual(
            [key for key, _text in desc["selection"]],
            ["schedule", "start", "complete", "cancel", "check_in", "check_out", "update", "delete"],
        )
        self.assertFalse(self.env["res.partner"]._fsj_api_pseudo_fields())
