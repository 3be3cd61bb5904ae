# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Language and time zone of an API request (issue 14): Accept-Language picks the context language
among the installed ones (Content-Language answers it); ``tz`` or X-Timezone sets the time zone that
date-only domain values and the dashboard's day are read in (models/ir_http.py)."""

import json

from odoo.tests import TransactionCase, tagged

from ..models.ir_http import content_language, parse_accept_language
from .factories import ApiKeyFactory, UserFactory
from .test_restapi import RestApiCase

INSTALLED = ["en_US", "fr_FR", "fr_BE", "de_CH", "sr@latin"]
ALIASES = {"fr": "fr_FR", "en": "en_US", "de": "de_DE"}


@tagged("post_install", "-at_install")
class TestAcceptLanguage(TransactionCase):
    def test_parse_accept_language(self):
        for header, expected in (
            ("fr-FR,fr;q=0.9", "fr_FR"),
            ("fr", "fr_FR"),  # a language alone: its usual code
            ("FR-be", "fr_BE"),  # case and separator aside
            ("fr-CH", "fr_FR"),  # a region not installed: the language's usual code
            ("de", "de_CH"),  # the only installed German
            ("es, en;q=0.2", "en_US"),
            ("en;q=0.4, fr-BE;q=0.8", "fr_BE"),  # quality first, then the header's order
            ("de;q=0.5, fr;q=0.5", "de_CH"),
            ("fr;q=0, en;q=0.1", "en_US"),  # q=0: not acceptable
            ("sr-latin", "sr@latin"),
            ("*", None),  # anything: the default
            ("xx, yy;q=0.5", None),
            ("fr;q=2, en;q=0.5", "en_US"),  # a malformed quality value: the range is ignored
            ("fr;q=abc", None),
            ("", None),
            (None, None),
            (";;,,; q=1", None),
            ("fr_FR';DROP", None),
        ):
            with self.subTest(header=header):
                self.assertEqual(parse_accept_language(header, INSTALLED, ALIASES), expected)

    def test_content_language(self):
        self.assertEqual(content_language("fr_FR"), "fr-FR")
        self.assertEqual(content_language("en_US"), "en-US")
        self.assertEqual(content_language("sr@latin"), "sr-Latn")
        self.assertEqual(content_language("es_419"), "es-419")


@tagged("post_install", "-at_install")
class TestRestApiLanguage(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # French, with the translations of base and fieldservice from their i18n folders (no network)
        cls.env["res.lang"]._activate_lang("fr_FR")
        modules = cls.env["ir.module.module"].search([("name", "in", ("base", "fieldservice"))])
        modules._update_translations(["fr_FR"])
        cls.job = cls.env["fsm.order"].create({"partner_id": cls.customer.id, "priority": "2"})

    def read_job(self, headers=None, key=True, fields="name,stage_id"):
        resp = self.call("GET", f"/object/fsm.order/{self.job.id}", params={"fields": fields}, headers=headers, key=key)
        self.assertEqual(resp.status_code, 200, resp.text)
        return resp

    def test_accept_language_picks_the_answer_s_language(self):
        for header, language, stage in (
            ("fr-FR,fr;q=0.9", "fr-FR", "Nouveau"),
            ("fr", "fr-FR", "Nouveau"),
            ("fr-CA, en;q=0.5", "fr-FR", "Nouveau"),
            ("en;q=0.4, fr;q=0.8", "fr-FR", "Nouveau"),
            ("de-DE", "en-US", "New"),  # not installed: the user's language
            ("de-DE, en-GB;q=0.7", "en-US", "New"),
            (None, "en-US", "New"),
            ("*", "en-US", "New"),
        ):
            with self.subTest(header=header):
                resp = self.read_job(headers={"Accept-Language": header} if header else None)
                self.assertEqual(resp.headers.get("Content-Language"), language)
                self.assertEqual(resp.json()["fsm.order"]["stage_id"][1], stage)

    def test_the_user_s_language_is_the_default(self):
        user = UserFactory(env=self.env, name="French User", login="fsj_french_user", lang="fr_FR")
        key = ApiKeyFactory(env=self.env, user=user)
        resp = self.read_job(key=key)
        self.assertEqual(resp.headers.get("Content-Language"), "fr-FR")
        self.assertEqual(resp.json()["fsm.order"]["stage_id"][1], "Nouveau")
        resp = self.read_job(key=key, headers={"Accept-Language": "en"})
        self.assertEqual(resp.headers.get("Content-Language"), "en-US")
        # errors carry it too
        resp = self.call("GET", "/object/fsm.order/0", key=key)
        self.assertEqual(resp.headers.get("Content-Language"), "fr-FR")

    def test_nested_names_and_field_maps_per_language(self):
        resp = self.read_job({"Accept-Language": "fr"}, fields="stage_id.name,stage_id.display_name")
        self.assertEqual(resp.json()["fsm.order"]["stage_id"]["name"], "Nouveau")
        fields_fr = self.env["ir.model"].with_context(lang="fr_FR")._fsj_api_fields("fsm.order")
        fields_en = self.env["ir.model"].with_context(lang="en_US")._fsj_api_fields("fsm.order")
        self.assertEqual(fields_fr["stage_id"][1]["string"], "Etape")
        self.assertEqual(fields_en["stage_id"][1]["string"], "Stage")
        self.assertIn(["2", "Haut"], [list(item) for item in fields_fr["priority"][1]["selection"]])
        self.assertIn(["2", "High"], [list(item) for item in fields_en["priority"][1]["selection"]])

    def test_errors_odoo_translates(self):
        partner = self.env["res.partner"].create({"name": "Recursive Co", "is_company": True})
        for header, text in (("fr", "Vous ne pouvez pas créer"), ("en", "You cannot create recursive")):
            with self.subTest(header=header):
                resp = self.call(
                    "PUT",
                    f"/object/res.partner/{partner.id}",
                    {"parent_id": partner.id},
                    headers={"Accept-Language": header},
                )
                err = resp.json()["error"]
                self.assertEqual((resp.status_code, err["code"]), (422, "validation_error"), resp.text)
                self.assertIn(text, err["message"])
        self.assertFalse(partner.parent_id)

    # -- time zone ---------------------------------------------------------------------------------
    def jobs(self, domain, headers=None, **params):
        params = dict(params, domain=json.dumps(domain), fields="name,scheduled_date_start")
        resp = self.call("GET", "/object/fsm.order", params=params, headers=headers)
        self.assertEqual(resp.status_code, 200, resp.text)
        return [row["id"] for row in resp.json()["fsm.order"]]

    def test_tz_reads_date_only_values_in_that_zone(self):
        # Paris is UTC+1 in December
        late = self.env["fsm.order"].create(
            {"partner_id": self.customer.id, "scheduled_date_start": "2041-11-30 23:30:00"}
        )  # 1 December, 00:30 in Paris
        evening = self.env["fsm.order"].create(
            {"partner_id": self.customer.id, "scheduled_date_start": "2041-12-01 23:30:00"}
        )  # 2 December, 00:30 in Paris
        both = [late.id, evening.id]
        only = ["id", "in", both]
        for operator, utc, paris in (
            ("=", [evening.id], [late.id]),
            ("!=", [late.id], [evening.id]),
            (">=", [evening.id], both),
            (">", [], [evening.id]),
            ("<", [late.id], []),
            ("<=", both, [late.id]),
        ):
            with self.subTest(operator=operator):
                domain = [only, ["scheduled_date_start", operator, "2041-12-01"]]
                self.assertEqual(sorted(self.jobs(domain)), sorted(utc))
                self.assertEqual(sorted(self.jobs(domain, tz="Europe/Paris")), sorted(paris))
                self.assertEqual(sorted(self.jobs(domain, headers={"X-Timezone": "Europe/Paris"})), sorted(paris))
        domain = [only, ["scheduled_date_start", "=", "2041-12-01"]]
        # the parameter comes first; names are IANA's, case aside
        self.assertEqual(self.jobs(domain, tz="UTC", headers={"X-Timezone": "Europe/Paris"}), [evening.id])
        self.assertEqual(self.jobs(domain, tz="europe/paris"), [late.id])
        # a time of day is UTC, as always; answers stay in UTC
        resp = self.call(
            "GET", f"/object/fsm.order/{late.id}", params={"tz": "Europe/Paris", "fields": "scheduled_date_start"}
        )
        self.assertEqual(resp.json()["fsm.order"]["scheduled_date_start"], "2041-11-30 23:30:00")
        # the dashboard's day too
        for tz, expected in (
            (None, [evening.id]),
            ("Europe/Paris", [late.id]),
            ("Pacific/Kiritimati", [late.id]),  # UTC+14: 30 November, 10:00 UTC to 1 December, 10:00
            ("America/New_York", [evening.id]),
        ):
            with self.subTest(tz=tz):
                params = {"date": "2041-12-01", **({"tz": tz} if tz else {})}
                resp = self.call("GET", "/fsm/dashboard", params=params)
                self.assertEqual(resp.status_code, 200, resp.text)
                self.assertEqual([row["id"] for row in resp.json()["jobs"]], expected)

    def test_a_wrong_tz_is_400(self):
        for params, headers in (
            ({"tz": "Mars/Olympus_Mons"}, None),
            ({"tz": ""}, None),
            ({"tz": "../../etc/passwd"}, None),
            ({}, {"X-Timezone": "CEST+2"}),
            ({"tz": "Europe/Paris"}, {"X-Timezone": "nowhere"}),  # the parameter wins, but a bad header...
        ):
            with self.subTest(params=params, headers=headers):
                resp = self.call("GET", "/object/fsm.stage", params=params, headers=headers)
                if params.get("tz") == "Europe/Paris":
                    self.assertEqual(resp.status_code, 200, resp.text)  # ... is not looked at
                    continue
                self.assertError(resp, 400, "invalid_tz")
