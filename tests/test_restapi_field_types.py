# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Every field type the REST API converts, on fake models (odoo-test-helper's FakeModelLoader, see
fake_models.py), exposed and round-tripped over HTTP: create, read, update and the OpenAPI schema, in
the value formats of seed 003 ("Odoo Field Types - General JSON API Guide"), checked against Odoo's
own fields_get and _read_format."""

import base64
import contextlib
import json

from odoo_test_helper import FakeModelLoader
from openapi_schema_validator import OAS30Validator

from odoo import fields
from odoo.tests import HttpCase, tagged

from .factories import ApiKeyFactory, PartnerFactory

API = "/restapi/1.0"
RECORD = "fsj.fake.record"
FAKE_MODELS = ("fsj.fake.container", "fsj.fake.tag", "fsj.fake.line", RECORD)
DESCRIPTION_KEYS = ("type", "relation", "selection", "required", "readonly")
BLOB = base64.b64encode(b"seed 003 binary").decode()
PROPERTIES_DEFINITION = [
    {"name": "industry", "type": "char", "string": "Industry"},
    {"name": "size", "type": "selection", "string": "Size", "selection": [["SMB", "SMB"], ["ENT", "Enterprise"]]},
]

# Checks that fail today: each is skipped while it fails and fails once it passes, so that its entry is
# removed with the fix (none today).
KNOWN_GAPS = {}


def api_json(ftype, value):
    """The JSON the API answers (README, "Values") for a value of Odoo's _read_format."""
    if ftype == "boolean":
        return bool(value)
    if ftype in ("one2many", "many2many"):
        return list(value)
    if value is False or value is None:
        return None
    if ftype == "many2one":
        return list(value)
    if ftype == "datetime":
        return fields.Datetime.to_string(value)
    if ftype == "date":
        return fields.Date.to_string(value)
    if ftype == "binary" and isinstance(value, bytes):
        return value.decode()
    return value


class FakeModelCase(HttpCase):
    """The fake models in the registry, readable by the administrator, exposed through the API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        # runs before TransactionCase's own cleanup, which sets the registry up again without them
        cls.addClassCleanup(cls.loader.restore_registry)
        from .fake_models import FakeContainer, FakeLine, FakeRecord, FakeTag

        cls.loader.update_registry((FakeContainer, FakeTag, FakeLine, FakeRecord))
        group = cls.env.ref("base.group_user")
        cls.env["ir.model.access"].create(
            [
                {
                    "name": f"fake {model}",
                    "model_id": cls.env["ir.model"]._get_id(model),
                    "group_id": group.id,
                    "perm_read": True,
                    "perm_write": True,
                    "perm_create": True,
                    "perm_unlink": True,
                }
                for model in FAKE_MODELS
            ]
        )
        params = cls.env["ir.config_parameter"]
        exposed = params.get_param("fieldservice_jobs.api_models") or "fsm.order"
        params.set_param("fieldservice_jobs.api_models", ",".join([exposed, *FAKE_MODELS]))
        cls.key = ApiKeyFactory(env=cls.env)
        cls.usd = cls.env.ref("base.USD")
        cls.container = cls.env["fsj.fake.container"].create({"name": "Box", "props_definition": PROPERTIES_DEFINITION})
        cls.partner = PartnerFactory(env=cls.env)
        cls.tags = cls.env["fsj.fake.tag"].create([{"name": f"Tag {i}"} for i in range(1, 4)])

    @contextlib.contextmanager
    def check(self, check, field, **params):
        """A sub-test; one of KNOWN_GAPS is skipped while it fails, and fails once it passes."""
        gap = KNOWN_GAPS.get((check, field))
        with self.subTest(check=check, field=field, **params):
            if not gap:
                yield
                return
            try:
                yield
            except AssertionError:
                self.skipTest(f"known gap: {gap}")
            self.fail(f"fixed, remove its KNOWN_GAPS entry: {gap}")

    def call(self, method, path, body=None, params=None):
        headers = {"X-API-Key": self.key, "Content-Type": "application/json"}
        data = json.dumps(body) if body is not None else None
        return self.opener.request(
            method, self.base_url() + API + path, params=params, data=data, headers=headers, timeout=60
        )

    def ok(self, resp, status=200):
        self.assertEqual(resp.status_code, status, resp.text)
        return resp.json()

    def seed_body(self):
        """One value of each type, written as seed 003 says."""
        return {
            "name": "Test Lead",
            "note": "This is a long note",
            "body": "<p><b>New Inquiry</b></p>",
            "active_flag": True,
            "count": 25,
            "ratio": 75.5,
            "amount": 1500.00,
            "currency_id": self.usd.id,
            "day": "2025-11-01",
            "moment": "2025-10-31 09:30:00",
            "priority": "2",
            "level": 2,
            "container_id": self.container.id,
            "tag_ids": [[6, 0, self.tags.ids]],
            "line_ids": [[0, 0, {"name": "Line 1", "qty": 2}]],
            "data": {"1": 2000, "2": 3000},
            "props": {"industry": "IT", "size": "SMB"},
            "ref": f"res.partner,{self.partner.id}",
            "res_model": "res.partner",
            "res_id": self.partner.id,
            "blob": BLOB,
        }

    def api_create(self, body=None):
        row = self.ok(self.call("POST", f"/object/{RECORD}", body or self.seed_body()), 201)[RECORD]
        return self.env[RECORD].browse(row["id"])

    def get(self, record, names):
        return self.ok(self.call("GET", f"/object/{RECORD}/{record.id}", params={"fields": ",".join(names)}))[RECORD]

    def put(self, record, body):
        return self.ok(self.call("PUT", f"/object/{RECORD}/{record.id}", body))[RECORD]

    def assertMatchesOdoo(self, record, row, names):
        """Each answered value is Odoo's own _read_format value, as JSON (README, "Values")."""
        described = self.env[RECORD].fields_get(names, attributes=["type"])
        record.invalidate_recordset()
        orm_row = record._read_format(names)[0]
        for name in names:
            with self.subTest(field=name, check="_read_format"):
                self.assertEqual(row[name], api_json(described[name]["type"], orm_row[name]))


@tagged("post_install", "-at_install")
class TestFieldTypesDescribed(FakeModelCase):
    def test_every_type_is_on_the_fake_model(self):
        types = {desc["type"] for desc in self.env[RECORD].fields_get(attributes=["type"]).values()}
        wanted = {"char", "text", "html", "integer", "float", "monetary", "boolean", "date", "datetime"}
        wanted |= {"selection", "many2one", "one2many", "many2many", "reference", "many2one_reference"}
        wanted |= {"json", "properties", "binary"}
        self.assertLessEqual(wanted, types)

    def test_api_fields_are_fields_get(self):
        from odoo.addons.fieldservice_jobs.restapi.service import ModelApi

        exposed = set(self.env["ir.config_parameter"].get_param("fieldservice_jobs.api_models").split(","))
        api = ModelApi(self.env, RECORD, exposed)
        described = self.env[RECORD].fields_get(attributes=list(DESCRIPTION_KEYS))
        for name in self.seed_body():
            with self.subTest(field=name):
                orm_name, desc = api.fields[name]
                self.assertEqual(orm_name, name)
                self.assertEqual(
                    {k: desc.get(k) for k in DESCRIPTION_KEYS}, {k: described[name].get(k) for k in DESCRIPTION_KEYS}
                )

    def test_integer_keys_are_described_as_integers(self):
        selection = self.env[RECORD].fields_get(["level"])["level"]["selection"]
        self.assertEqual([key for key, _label in selection], [1, 2, 3])


@tagged("post_install", "-at_install")
class TestFieldTypesRoundTrip(FakeModelCase):
    # (field, value written, value answered) in the formats of seed 003; relational ids are set in setUp
    def expected_after_create(self, record):
        return {
            "name": "Test Lead",
            "note": "This is a long note",
            "body": "<p><b>New Inquiry</b></p>",
            "active_flag": True,
            "count": 25,
            "ratio": 75.5,
            "amount": 1500.0,
            "currency_id": [self.usd.id, self.usd.display_name],
            "day": "2025-11-01",
            "moment": "2025-10-31 09:30:00",
            "priority": "2",
            "container_id": [self.container.id, "Box"],
            "tag_ids": self.tags.ids,
            "line_ids": record.line_ids.ids,
            "data": {"1": 2000, "2": 3000},
            "ref": f"res.partner,{self.partner.id}",
            "res_model": "res.partner",
            "res_id": self.partner.id,
            "blob": BLOB,
        }

    def test_create_answers_the_values_written(self):
        record = self.api_create()
        expected = self.expected_after_create(record)
        row = self.get(record, list(expected))
        for name, value in expected.items():
            with self.subTest(field=name):
                self.assertEqual(row[name], value)
        self.assertEqual(record.line_ids.mapped(lambda line: (line.name, line.qty)), [("Line 1", 2)])

    def test_create_stores_what_odoo_would(self):
        record = self.api_create()
        names = list(self.seed_body())
        self.assertMatchesOdoo(record, self.get(record, names), names)

    def test_properties_by_name_as_seed_003(self):
        record = self.api_create()
        values = {prop["name"]: prop.get("value") for prop in self.get(record, ["props"])["props"]}
        self.assertEqual(values, {"industry": "IT", "size": "SMB"})
        self.assertEqual(record.props, {"industry": "IT", "size": "SMB"})

    def test_integer_selection_key(self):
        record = self.api_create()
        self.assertMatchesOdoo(record, self.get(record, ["level"]), ["level"])

    def test_update_each_field(self):
        record = self.api_create()
        other = PartnerFactory(env=self.env)
        box = self.env["fsj.fake.container"].create({"name": "Crate", "props_definition": PROPERTIES_DEFINITION})
        cases = [
            ("name", "Updated Lead", "Updated Lead"),
            ("note", "line 1\nline 2", "line 1\nline 2"),
            ("body", "<p>Updated</p>", "<p>Updated</p>"),
            ("active_flag", False, False),
            ("count", -7, -7),
            ("ratio", 0.25, 0.25),
            ("amount", 99.99, 99.99),
            ("day", "2026-02-28", "2026-02-28"),
            ("moment", "2025-12-15 18:45:10", "2025-12-15 18:45:10"),
            ("priority", "3", "3"),
            ("container_id", box.id, [box.id, "Crate"]),
            ("tag_ids", [[6, 0, self.tags[:1].ids]], self.tags[:1].ids),
            ("data", [1, "two", {"three": 3.0}], [1, "two", {"three": 3.0}]),
            ("ref", f"fsj.fake.tag,{self.tags[2].id}", f"fsj.fake.tag,{self.tags[2].id}"),
            ("res_id", other.id, other.id),
            ("blob", base64.b64encode(b"other").decode(), base64.b64encode(b"other").decode()),
        ]
        for name, value, answered in cases:
            with self.subTest(field=name, value=value):
                self.assertEqual(self.put(record, {name: value}).get(name, answered), answered)
                self.assertEqual(self.get(record, [name])[name], answered)
                self.assertMatchesOdoo(record, self.get(record, [name]), [name])

    def test_update_properties(self):
        record = self.api_create()
        self.put(record, {"props": {"industry": "Retail", "size": "ENT"}})
        self.assertEqual(record.props, {"industry": "Retail", "size": "ENT"})
        self.assertMatchesOdoo(record, self.get(record, ["props"]), ["props"])

    def test_null_clears_each_field(self):
        """null empties a field; Odoo reads an empty number as 0 and an empty relation as []."""
        record = self.api_create()
        for name in self.seed_body():
            if name in ("name", "res_model", "active_flag"):
                continue  # required / names the model of res_id / booleans take true or false only
            with self.subTest(field=name):
                self.put(record, {name: None})
                record.invalidate_recordset()
                self.assertFalse(record[name])
                self.assertMatchesOdoo(record, self.get(record, [name]), [name])

    def test_other_accepted_forms(self):
        """Forms seed 003 allows besides the first (JSON as a string) and ISO 8601 date-times."""
        record = self.api_create()
        cases = [
            ("data", json.dumps({"1": 2000, "2": 3000}), {"1": 2000, "2": 3000}),
            ("moment", "2025-10-31T09:30:00", "2025-10-31 09:30:00"),
            ("moment", "2025-10-31T09:30:00Z", "2025-10-31 09:30:00"),
            ("moment", "2025-10-31T10:30:00+01:00", "2025-10-31 09:30:00"),
            ("tag_ids", self.tags[1:].ids, self.tags[1:].ids),
            ("amount", 1500, 1500.0),
            ("ratio", 3, 3.0),
        ]
        for name, value, answered in cases:
            with self.subTest(field=name, value=value):
                self.put(record, {name: value})
                self.assertEqual(self.get(record, [name])[name], answered)

    def test_seed_003_string_forms(self):
        """Seed 003 writes a selection key as a string ("2") and a many2one_reference as "model,id"."""
        record = self.api_create()
        cases = [
            ("level", "3", {"level": "3"}),
            ("res_id", f"res.partner,{self.partner.id}", {"res_model": "res.partner", "res_id": self.partner.id}),
        ]
        for name, value, stored in cases:
            with self.check("string form", name, value=value):
                resp = self.call("PUT", f"/object/{RECORD}/{record.id}", {name: value})
                self.assertEqual(resp.status_code, 200, resp.text)
                record.invalidate_recordset()
                self.assertEqual({f: record[f] for f in stored}, stored)

    def test_wrong_types_are_refused(self):
        record = self.api_create()
        cases = [
            ("count", "25"),
            ("count", 2.5),
            ("ratio", "75.5"),
            ("active_flag", "true"),
            ("day", "01/11/2025"),
            ("moment", "2025-10-31 25:00:00"),
            ("priority", "9"),
            ("container_id", "Box"),
            ("tag_ids", [[9, 0, 0]]),
            ("ref", "res.partner"),
            ("res_id", "no.such.model,1"),
            ("res_id", "base,1"),  # an abstract model: nothing to refer to
            ("blob", "not base64!"),
            ("data", "{not json"),
            ("name", 42),
        ]
        before = self.get(record, [name for name, _value in cases])
        for name, value in cases:
            with self.subTest(field=name, value=value):
                resp = self.call("PUT", f"/object/{RECORD}/{record.id}", {name: value})
                self.assertEqual(resp.status_code, 422, resp.text)
                self.assertEqual(resp.json()["error"]["code"], "invalid_value")
                self.assertEqual(resp.json()["error"]["details"]["field"], name)
        self.assertEqual(self.get(record, [name for name, _value in cases]), before, "nothing written")


@tagged("post_install", "-at_install")
class TestRelationCommands(FakeModelCase):
    """Every command of seed 003 on a one2many and a many2many, through the API and through the ORM on
    a twin record: both end the same."""

    def fixture(self):
        """A record with lines a, b and tags A, B; line c and tag C exist unlinked."""
        tags = self.env["fsj.fake.tag"].create([{"name": n} for n in "ABC"])
        lines = self.env["fsj.fake.line"].create([{"name": n, "qty": 1} for n in "abc"])
        record = self.env[RECORD].create(
            {"name": "twin", "line_ids": [(6, 0, lines[:2].ids)], "tag_ids": [(6, 0, tags[:2].ids)]}
        )
        return {"record": record, **dict(zip("abc", lines, strict=True)), **dict(zip("ABC", tags, strict=True))}

    def shape(self, fix):
        """What a command changed, in terms that do not depend on ids."""
        self.env.invalidate_all()
        record = fix["record"]
        return {
            "lines": sorted((line.name, line.qty) for line in record.line_ids),
            "tags": sorted(record.tag_ids.mapped("name")),
            "kept": {n: bool(fix[n].exists()) for n in "abcABC"},
            "linked": {n: bool(fix[n].exists() and fix[n].record_id == record) for n in "abc"},
        }

    def cases(self):
        return [
            ("line_ids", "create", lambda f: [[0, 0, {"name": "new", "qty": 2}]]),
            ("line_ids", "update", lambda f: [[1, f["a"].id, {"qty": 5}]]),
            ("line_ids", "delete", lambda f: [[2, f["a"].id, 0]]),
            ("line_ids", "unlink", lambda f: [[3, f["a"].id, 0]]),
            ("line_ids", "link", lambda f: [[4, f["c"].id, 0]]),
            ("line_ids", "clear", lambda f: [[5, 0, 0]]),
            ("line_ids", "set", lambda f: [[6, 0, [f["b"].id, f["c"].id]]]),
            ("tag_ids", "create", lambda f: [[0, 0, {"name": "New Tag"}]]),
            ("tag_ids", "update", lambda f: [[1, f["A"].id, {"name": "Updated Tag"}]]),
            ("tag_ids", "delete", lambda f: [[2, f["A"].id, 0]]),
            ("tag_ids", "unlink", lambda f: [[3, f["A"].id, 0]]),
            ("tag_ids", "link", lambda f: [[4, f["C"].id, 0]]),
            ("tag_ids", "clear", lambda f: [[5, 0, 0]]),
            ("tag_ids", "set", lambda f: [[6, 0, [f["B"].id, f["C"].id]]]),
            # seed 003, example 6: link two, unlink one
            ("tag_ids", "link and unlink", lambda f: [[4, f["C"].id, 0], [3, f["A"].id, 0]]),
        ]

    def test_each_command_as_the_orm(self):
        for name, label, commands in self.cases():
            with self.subTest(field=name, command=label):
                via_api, via_orm = self.fixture(), self.fixture()
                self.put(via_api["record"], {name: commands(via_api)})
                via_orm["record"].write({name: [tuple(cmd) for cmd in commands(via_orm)]})
                self.assertEqual(self.shape(via_api), self.shape(via_orm))
                self.assertEqual(self.get(via_api["record"], [name])[name], via_api["record"][name].ids)

    def test_create_with_commands(self):
        tag = self.env["fsj.fake.tag"].create({"name": "Linked"})
        body = {
            "name": "with commands",
            "line_ids": [[0, 0, {"name": "L1", "qty": 2}], [0, 0, {"name": "L2", "qty": 3}]],
            "tag_ids": [[4, tag.id, 0], [0, 0, {"name": "Created"}]],
        }
        record = self.api_create(body)
        self.assertEqual(sorted(record.line_ids.mapped(lambda line: (line.name, line.qty))), [("L1", 2), ("L2", 3)])
        self.assertEqual(sorted(record.tag_ids.mapped("name")), ["Created", "Linked"])


@tagged("post_install", "-at_install")
class TestFieldTypesOpenApi(FakeModelCase):
    def spec(self):
        return self.ok(self.call("GET", "/openapi.json"))

    def properties(self, schema_name):
        """A schema's properties, each validated with the document's components (their $ref resolved)."""
        spec = self.spec()
        properties = spec["components"]["schemas"][schema_name]["properties"]
        return {name: OAS30Validator(dict(prop, components=spec["components"])) for name, prop in properties.items()}

    def test_answers_match_the_read_schema(self):
        record = self.api_create()
        names = list(self.seed_body())
        row = self.get(record, names)
        validators = self.properties("fsj_fake_record")
        for name in names:
            with self.check("read schema", name, value=row[name]):
                errors = [e.message for e in validators[name].iter_errors(row[name])]
                self.assertEqual(errors, [])

    def test_seed_003_values_match_the_write_schema(self):
        validators = self.properties("fsj_fake_record_write")
        for name, value in self.seed_body().items():
            with self.check("write schema", name, value=value):
                errors = [e.message for e in validators[name].iter_errors(value)]
                self.assertEqual(errors, [])

    def test_schema_types_follow_fields_get(self):
        schema = self.spec()["components"]["schemas"]["fsj_fake_record"]["properties"]
        described = self.env[RECORD].fields_get(attributes=["type", "selection"])
        json_types = {
            "char": "string", "text": "string", "html": "string", "integer": "integer", "float": "number",
            "monetary": "number", "boolean": "boolean", "date": "string", "datetime": "string",
            "selection": "string", "many2one": "array", "one2many": "array", "many2many": "array",
            "reference": "string", "many2one_reference": "integer", "binary": "string",
        }  # fmt: skip
        for name in self.seed_body():
            ftype = described[name]["type"]
            with self.check("schema type", name, type=ftype):
                # a many2one is [id, name], or an object when read with sub-fields: its first form
                self.assertEqual((schema[name].get("oneOf") or [schema[name]])[0].get("type"), json_types.get(ftype))


@tagged("post_install", "-at_install")
class TestFieldTypesRenderedInSql(FakeModelCase):
    """A list's page rendered whole by PostgreSQL (restapi/sqlrender.py) is the bytes of the page rendered
    in Python, for every type it renders: set, empty, a datetime with microseconds (cut), an integer
    and a boolean left NULL (0 and false, as Odoo reads them), awkward texts."""

    NAMES = ["name", "note", "count", "active_flag", "day", "moment", "priority", "level", "container_id"]

    def test_every_rendered_type_the_same_both_ways(self):
        from odoo.tools.json import json_default

        from odoo.addons.fieldservice_jobs.restapi import service, sqlrender

        odd = self.env["fsj.fake.container"].create({"name": 'Odd "box" \\ é\t😀'})
        records = self.env[RECORD].create(
            [
                dict(self.seed_body(), name="sql full", container_id=odd.id, level=1),
                {"name": "sql empty", "note": "", "active_flag": False, "count": 0},
                {"name": "sql \x01\x1f \u2028 end", "note": "two\nlines", "moment": "2031-01-02 03:04:05"},
            ]
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE fsj_fake_record SET count = NULL, active_flag = NULL, moment = '2031-05-06 07:08:09.987654' "
            "WHERE id = %s",
            [records[2].id],
        )
        self.env.invalidate_all()
        exposed = self.env["res.config.settings"]._fsm_jobs_api_models()
        domain = [("name", "=like", "sql %")]
        api = service.ModelApi(self.env, RECORD, exposed)
        rows, total, _next = api.search(domain, self.NAMES, 10, 0, [("id", "asc")], as_json=True)
        self.assertIsInstance(rows, sqlrender.RawJson)
        self.env.invalidate_all()
        rows_py, total_py, _next = service.ModelApi(self.env, RECORD, exposed).search(
            domain, self.NAMES, 10, 0, [("id", "asc")]
        )
        self.assertEqual(total, total_py)
        self.assertEqual(
            sqlrender.dumps({RECORD: rows}), json.dumps({RECORD: rows_py}, ensure_ascii=False, default=json_default)
        )
        by_id = {row["id"]: row for row in json.loads(rows)}
        self.assertEqual(by_id[records[2].id]["moment"], "2031-05-06 07:08:09")
        self.assertEqual((by_id[records[2].id]["count"], by_id[records[2].id]["active_flag"]), (0, False))
        # over HTTP, the controller's answer is that text
        resp = self.call("GET", f"/object/{RECORD}", params={"domain": json.dumps(domain), "fields": ",".join(
            self.NAMES), "order": "id"})  # fmt: skip
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(resp.headers["X-Total-Count"], "3")
        self.assertTrue(resp.headers.get("X-Request-Id"))
        self.assertEqual(resp.json()[RECORD], rows_py)
        self.assertEqual(resp.content.decode(), json.dumps({RECORD: rows_py}, ensure_ascii=False))
