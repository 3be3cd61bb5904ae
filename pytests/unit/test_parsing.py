"""Unit tests of restapi/parsing.py (request parsing) and restapi/values.py (value conversion), without
Odoo: the restapi folder is loaded as a bare package (its __init__, which imports the Odoo-bound
service, is not run)."""

import datetime
import importlib
import json
import pathlib
import sys
import types

import pytest

_RESTAPI = pathlib.Path(__file__).resolve().parents[2] / "restapi"
_PATH = _RESTAPI / "parsing.py"
_PACKAGE = types.ModuleType("fsj_restapi")
_PACKAGE.__path__ = [str(_RESTAPI)]
sys.modules.setdefault("fsj_restapi", _PACKAGE)
_parsing = importlib.import_module("fsj_restapi.parsing")
_values = importlib.import_module("fsj_restapi.values")
# the tests name both halves through one namespace
parsing = types.SimpleNamespace(**{**vars(_parsing), **vars(_values)})
ApiError = _parsing.ApiError

PRIORITY = {"type": "selection", "selection": [["0", "Normal"], ["1", "Low"], ["2", "High"], ["3", "Urgent"]]}


def raises(status, code, func, *args):
    """Call func(*args), expecting an ApiError with this status and code; return it."""
    with pytest.raises(ApiError) as info:
        func(*args)
    assert (info.value.status, info.value.code) == (status, code), info.value.to_dict()
    return info.value


# -- module ----------------------------------------------------------------------------------------
def test_module_imports_nothing_from_odoo():
    for path in (_PATH, _RESTAPI / "values.py"):
        source = path.read_text()
        assert "import odoo" not in source and "from odoo" not in source, path
    assert "eval(" not in source.replace("literal_eval(", "")


# -- ApiError --------------------------------------------------------------------------------------
def test_api_error_attributes_and_dict():
    err = ApiError(404, "not_found", "No such job.", {"id": 7})
    assert (err.status, err.code, err.message, err.details) == (404, "not_found", "No such job.", {"id": 7})
    assert err.to_dict() == {
        "error": {"status": 404, "code": "not_found", "message": "No such job.", "details": {"id": 7}}
    }
    assert str(err) == "No such job."
    assert isinstance(err, Exception)


def test_api_error_details_default_to_empty_dict():
    first, second = ApiError(400, "c", "m"), ApiError(400, "c", "m", None)
    assert first.details == {} and second.details == {}
    first.details["x"] = 1
    assert second.details == {}  # no shared mutable default
    assert first.to_dict() == {"error": {"status": 400, "code": "c", "message": "m", "details": {"x": 1}}}
    assert json.loads(json.dumps(second.to_dict()))["error"]["details"] == {}


def test_allowed_operators():
    expected = {"=", "!=", "<>", "<", ">", "<=", ">=", "=?", "=like", "=ilike", "like", "not like", "ilike"}
    expected |= {"not ilike", "in", "not in", "child_of", "parent_of", "any", "not any"}
    assert isinstance(parsing.ALLOWED_OPERATORS, frozenset)
    assert parsing.ALLOWED_OPERATORS == expected


# -- parse_domain ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (None, []),
        ("", []),
        ("   ", []),
        ("[]", []),
        ("[('stage_id','=',2)]", [("stage_id", "=", 2)]),
        (
            "[('scheduled_date_start','>=','2025-12-13 00:00:00'),('scheduled_date_start','<=','2025-12-13 23:59:59')]",
            [
                ("scheduled_date_start", ">=", "2025-12-13 00:00:00"),
                ("scheduled_date_start", "<=", "2025-12-13 23:59:59"),
            ],
        ),
        ("[('person_id','=',10),('stage_id','not in',[5])]", [("person_id", "=", 10), ("stage_id", "not in", [5])]),
        ("[('person_id', '=', False)]", [("person_id", "=", False)]),
        ("[('type', '=', 'install')]", [("type", "=", "install")]),
        (
            "[('stage_id','not in',[4,5]), ('person_id','=',False)]",
            [("stage_id", "not in", [4, 5]), ("person_id", "=", False)],
        ),
        ('[["stage_id", "=", 2]]', [("stage_id", "=", 2)]),
        ('[["active", "=", true], ["name", "ilike", "pump"]]', [("active", "=", True), ("name", "ilike", "pump")]),
        ("[('stage_id', 'in', (4, 5))]", [("stage_id", "in", [4, 5])]),
        ("[('partner_id.country_id.code', '=', 'SE')]", [("partner_id.country_id.code", "=", "SE")]),
        ("[('amount', '>', 1.5), ('amount', '<', -3)]", [("amount", ">", 1.5), ("amount", "<", -3)]),
        ("[('name', 'NOT ILIKE', 'x')]", [("name", "not ilike", "x")]),
        ("[('name', '=like', 'J%'), ('ref', '=?', None)]", [("name", "=like", "J%"), ("ref", "=?", None)]),
        ("[('parent_id', 'child_of', 3)]", [("parent_id", "child_of", 3)]),
    ],
)
def test_domain_accepted(text, expected):
    assert parsing.parse_domain(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[["person_id", "=", null]]', [("person_id", "=", False)]),
        ('[["person_id", "!=", null]]', [("person_id", "!=", False)]),
        ("[('person_id', '=', None)]", [("person_id", "=", False)]),
        ('[["ref", "=?", null]]', [("ref", "=?", None)]),  # only = and != turn null into False
        ('[["ref", "in", [null, 1]]]', [("ref", "in", [None, 1])]),
    ],
)
def test_domain_null_is_false_for_equality_only(text, expected):
    result = parsing.parse_domain(text)
    assert result == expected
    assert type(result[0][2]) is type(expected[0][2])  # False, not None (and None stays None for =?)


def test_domain_leaves_are_tuples_and_values_lists():
    result = parsing.parse_domain('[["stage_id", "not in", [4, 5]], ["tag_ids", "in", [1]]]')
    assert all(type(leaf) is tuple and len(leaf) == 3 for leaf in result)
    assert all(type(leaf[2]) is list for leaf in result)
    result = parsing.parse_domain("[('stage_id', 'in', (4, 5))]")
    assert type(result[0]) is tuple and type(result[0][2]) is list


@pytest.mark.parametrize(
    "text, expected",
    [
        ("['|', ('a','=',1), ('b','=',2)]", ["|", ("a", "=", 1), ("b", "=", 2)]),
        ("['&', ('a','=',1), ('b','=',2)]", ["&", ("a", "=", 1), ("b", "=", 2)]),
        ("['!', ('a','=',1)]", ["!", ("a", "=", 1)]),
        (
            "['|', '!', ('a','=',1), '&', ('b','=',2), ('c','=',3)]",
            ["|", "!", ("a", "=", 1), "&", ("b", "=", 2), ("c", "=", 3)],
        ),
        # implicit AND between complete terms, as in Odoo
        ("['|', ('a','=',1), ('b','=',2), ('c','=',3)]", ["|", ("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]),
        ("[('c','=',3), '|', ('a','=',1), ('b','=',2)]", [("c", "=", 3), "|", ("a", "=", 1), ("b", "=", 2)]),
        ('["|", ["a", "=", 1], ["b", "=", 2]]', ["|", ("a", "=", 1), ("b", "=", 2)]),
    ],
)
def test_domain_prefix_operators(text, expected):
    assert parsing.parse_domain(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[(1, '=', 1)]", [(1, "=", 1)]),
        ("[(0, '=', 1)]", [(0, "=", 1)]),
        ('[[1, "=", 1]]', [(1, "=", 1)]),
        ("['|', (0, '=', 1), ('a', '=', 2)]", ["|", (0, "=", 1), ("a", "=", 2)]),
    ],
)
def test_domain_true_false_leaves(text, expected):
    assert parsing.parse_domain(text) == expected


def test_domain_any_sub_domains():
    text = "[('partner_id', 'any', [('name', 'ilike', 'acme'), ('city', '=', None)])]"
    assert parsing.parse_domain(text) == [("partner_id", "any", [("name", "ilike", "acme"), ("city", "=", False)])]
    text = '[["tag_ids", "NOT ANY", ["|", ["name", "=", "x"], ["name", "=", "y"]]]]'
    assert parsing.parse_domain(text) == [("tag_ids", "not any", ["|", ("name", "=", "x"), ("name", "=", "y")])]
    assert parsing.parse_domain("[('tag_ids', 'any', [])]") == [("tag_ids", "any", [])]
    nested = "[('a', 'any', [('b', 'any', [('c', '=', 1)])])]"
    assert parsing.parse_domain(nested) == [("a", "any", [("b", "any", [("c", "=", 1)])])]


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('id')",
        "[('name','=',open('x'))]",
        "[('name','=',__import__('os').system('id'))]",
        "[('a','bad-op',1)]",
        "[('a','=',1), '|']",
        "['|', ('a','=',1)]",
        "['&']",
        "['!']",
        "['!', '!']",
        "[('a','=')]",
        "[('a','=',1,2)]",
        "[('a')]",
        "['a']",
        "['^', ('a','=',1), ('b','=',1)]",
        "[42]",
        "[None]",
        "[{'a': 1}]",
        "{'a': 1}",
        "('a','=',1)",
        "(('a','=',1),)",
        "'[]'",
        "42",
        "[('a b','=',1)]",
        "[('1abc','=',1)]",
        "[('a.','=',1)]",
        "[('a..b','=',1)]",
        "[('name\\n','=',1)]",
        "[('\uff4e\uff41\uff4d\uff45','=',1)]",  # fullwidth letters
        "[(None,'=',1)]",
        "[(True,'=',1)]",
        "[(1,'=',2)]",
        "[(2,'=',1)]",
        "[('a',1,1)]",
        "[('a','in',[1,[2]])]",
        "[('a','=',{'x': 1})]",
        "[('a','=',{1, 2})]",
        "[('a','=',b'x')]",
        "[('a','=',1j)]",
        "[('a','=',1e999)]",
        '[["a", "=", NaN]]',
        '[["a", "=", Infinity]]',
        "[('a','any',5)]",
        "[('a','any',[('b','bad',1)])]",
        "[('a','any',['|', ('b','=',1)])]",
        "[('a','=',x)]",
        "[('a',",
        "[('a','=',1)] + [('b','=',2)]",
        "lambda: 1",
        pytest.param("[" * 5000, id="deep-nesting"),
        "[" * 50 + "]" * 50,
    ],
)
def test_domain_refused(text):
    err = raises(400, "invalid_domain", parsing.parse_domain, text)
    assert err.message


@pytest.mark.parametrize(
    "text, index",
    [
        ("[('a','=',1), ('b','bad-op',1)]", 1),
        ("[('a','=',1), ('b','=',2), ('c d','=',1)]", 2),
        ("['|', ('a','=',1), ('b','=',[{}])]", 2),
        ("['x', ('a','=',1)]", 0),
        ("[('a','=',1), 7]", 1),
        ("[('a','=',1), '|']", 1),
        ("['&', ('a','=',1)]", 0),
        ("['|', '!', ('a','=',1)]", 0),
    ],
)
def test_domain_error_names_the_element(text, index):
    err = raises(400, "invalid_domain", parsing.parse_domain, text)
    assert err.details == {"index": index}
    assert f"element {index}" in err.message


def test_domain_error_in_sub_domain_names_the_outer_element():
    err = raises(400, "invalid_domain", parsing.parse_domain, "[('x','=',1), ('a','any',[('b','=',1), ('c','??',1)])]")
    assert err.details["index"] == 1
    assert err.details["path"] == [1, 1]
    assert "element 1" in err.message and "sub-domain element 1" in err.message


def test_domain_sub_domains_nest_boundedly():
    deep = "('c', '=', 1)"
    for _ in range(40):
        deep = f"('a', 'any', [{deep}])"
    err = raises(400, "invalid_domain", parsing.parse_domain, f"[{deep}]")
    assert err.details["index"] == 0
    ok = "('c', '=', 1)"
    for _ in range(3):
        ok = f"('a', 'any', [{ok}])"
    assert parsing.parse_domain(f"[{ok}]")[0][1] == "any"


def test_domain_size_is_capped_before_any_work():
    at_cap = json.dumps([["f", "=", i] for i in range(parsing.MAX_DOMAIN_LEAVES)])
    assert len(parsing.parse_domain(at_cap)) == parsing.MAX_DOMAIN_LEAVES
    over = json.dumps([["f", "=", i] for i in range(parsing.MAX_DOMAIN_LEAVES + 1)])
    err = raises(400, "domain_too_large", parsing.parse_domain, over)
    assert err.details["leaves"] == parsing.MAX_DOMAIN_LEAVES + 1
    # conditions of sub-domains count too
    nested = json.dumps([["a", "any", [["f", "=", i] for i in range(parsing.MAX_DOMAIN_LEAVES)]]])
    assert raises(400, "domain_too_large", parsing.parse_domain, nested).details["leaves"] == 65
    # and so do the values listed by 'in'
    values = json.dumps([["id", "in", list(range(1, parsing.MAX_DOMAIN_VALUES + 2))]])
    assert raises(400, "domain_too_large", parsing.parse_domain, values).details["values"] == 1001
    assert parsing.parse_domain(json.dumps([["id", "in", list(range(1, parsing.MAX_DOMAIN_VALUES + 1))]]))


def test_domain_never_evaluates(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    for text in (f"[('a','=',open({str(marker)!r}, 'w'))]", f"__import__('pathlib').Path({str(marker)!r}).touch()"):
        raises(400, "invalid_domain", parsing.parse_domain, text)
    assert not marker.exists()


# -- parse_fields ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (None, None),
        ("", None),
        ("  ", None),
        (
            "['name','partner_id','scheduled_date_start','person_id','location_id']",
            ["name", "partner_id", "scheduled_date_start", "person_id", "location_id"],
        ),
        ('["name"]', ["name"]),
        ('["name", "stage_id"]', ["name", "stage_id"]),
        ("('name', 'city')", ["name", "city"]),
        ("name, partner_id", ["name", "partner_id"]),
        ("name", ["name"]),
        ("  name ,city ,  _private  ", ["name", "city", "_private"]),
        ("['name','partner_id','name']", ["name", "partner_id"]),
        ("city,name,city,name", ["city", "name"]),
        ("[]", []),
    ],
)
def test_fields_accepted(text, expected):
    assert parsing.parse_fields(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "['na me']",
        "[1, 2]",
        "[None]",
        "[['name']]",
        "{'name': 1}",
        "['name'",
        "[__import__('os')]",
        "name, 1abc",
        "name,,city",
        "name;city",
        "name city",
        '["name\\n"]',
        "\uff4e\uff41\uff4d\uff45",  # fullwidth letters
    ],
)
def test_fields_refused(text):
    raises(400, "invalid_fields", parsing.parse_fields, text)


# -- related reads: dotted names and web_read specifications (issue 14) ------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("partner_id.name", {"partner_id": {"fields": {"name": {}}}}),
        ("['partner_id.name']", {"partner_id": {"fields": {"name": {}}}}),
        (
            "name,partner_id.email,partner_id.name,location_id.partner_id.city",
            {
                "name": {},
                "partner_id": {"fields": {"email": {}, "name": {}}},
                "location_id": {"fields": {"partner_id": {"fields": {"city": {}}}}},
            },
        ),
        # the relation named alone and with sub-fields: nested
        ("partner_id,partner_id.email", {"partner_id": {"fields": {"email": {}}}}),
        ("a.b.c.d", {"a": {"fields": {"b": {"fields": {"c": {"fields": {"d": {}}}}}}}}),  # three hops
        ('{"name": {}}', {"name": {}}),
        ("{}", {}),
        (
            '{"partner_id": {"fields": {"name": {}, "email": {}}}, "stage_id": {"fields": {"code": {}}}}',
            {"partner_id": {"fields": {"name": {}, "email": {}}}, "stage_id": {"fields": {"code": {}}}},
        ),
        (
            '{"time_log_ids": {"fields": {"check_in": {}}, "limit": 5, "order": "id desc, check_in"}}',
            {"time_log_ids": {"fields": {"check_in": {}}, "limit": 5, "order": [("id", "desc"), ("check_in", "asc")]}},
        ),
        ('{"time_log_ids": {"fields": {}, "limit": null, "order": ""}}', {"time_log_ids": {"fields": {}}}),
        ("{'partner_id': {'fields': {'name': {}}}}", {"partner_id": {"fields": {"name": {}}}}),  # a Python literal
    ],
)
def test_related_fields_accepted(text, expected):
    spec = parsing.parse_fields(text)
    assert spec == expected
    assert parsing.is_related_spec(spec)


@pytest.mark.parametrize(
    "text",
    [
        "a.b.c.d.e",  # four hops
        "['a.b.c.d.e']",
        "partner_id.",
        ".name",
        "partner_id..name",
        "partner_id.na me",
        '{"name": 1}',
        '{"name": []}',
        '{"name": null}',
        '{"1name": {}}',
        '{"partner_id": {"fields": ["name"]}}',
        '{"partner_id": {"fields": {"name": {}}, "context": {"active_test": false}}}',
        '{"partner_id": {"domain": []}}',
        '{"a": {"fields": {"b": {"fields": {"c": {"fields": {"d": {"fields": {}}}}}}}}}',  # four hops
        '{"time_log_ids": {"fields": {}, "limit": -1}}',
        '{"time_log_ids": {"fields": {}, "limit": "5"}}',
        '{"time_log_ids": {"fields": {}, "limit": true}}',
        '{"time_log_ids": {"fields": {}, "order": 5}}',
        '{"time_log_ids": {"limit": 5}}',  # limit and order need fields
        '{"name": {}',
        "{__import__('os')}",
        '["name", {"partner_id": {}}]',
    ],
)
def test_related_fields_refused(text):
    raises(400, "invalid_fields", parsing.parse_fields, text)


def test_related_fields_bad_order_is_invalid_order():
    raises(400, "invalid_order", parsing.parse_fields, '{"time_log_ids": {"fields": {}, "order": "id; drop"}}')


def test_plain_names_stay_a_list():
    assert parsing.parse_fields("name,stage_id") == ["name", "stage_id"]
    assert not parsing.is_related_spec(parsing.parse_fields("name,stage_id"))
    assert not parsing.is_related_spec(None)


def test_spec_paths():
    spec = parsing.parse_fields("name,partner_id.email,location_id.partner_id.city,location_id.name")
    assert parsing.spec_paths(spec) == ["name", "partner_id.email", "location_id.partner_id.city", "location_id.name"]


# -- a date alone compared to a date and time, in a time zone (issue 14) -----------------------------
@pytest.mark.parametrize(
    "operator, tz, expected",
    [
        (">=", None, [("d", ">=", "2026-12-01 00:00:00")]),
        ("<", None, [("d", "<", "2026-12-01 00:00:00")]),
        (">", None, [("d", ">=", "2026-12-02 00:00:00")]),
        ("<=", None, [("d", "<", "2026-12-02 00:00:00")]),
        ("=", None, ["&", ("d", ">=", "2026-12-01 00:00:00"), ("d", "<", "2026-12-02 00:00:00")]),
        (
            "!=",
            None,
            ["|", "|", ("d", "<", "2026-12-01 00:00:00"), ("d", ">=", "2026-12-02 00:00:00"), ("d", "=", False)],
        ),
        (">=", "Europe/Paris", [("d", ">=", "2026-11-30 23:00:00")]),
        (">=", "America/New_York", [("d", ">=", "2026-12-01 05:00:00")]),
        (">=", "Asia/Kolkata", [("d", ">=", "2026-11-30 18:30:00")]),
        ("=", "UTC", ["&", ("d", ">=", "2026-12-01 00:00:00"), ("d", "<", "2026-12-02 00:00:00")]),
    ],
)
def test_day_condition(operator, tz, expected):
    assert parsing.day_condition("d", operator, "2026-12-01", tz) == expected


def test_day_condition_follows_daylight_saving_time():
    # Stockholm moves to summer time on 29 March 2026: that day lasts 23 hours
    assert parsing.day_bounds("2026-03-29", "Europe/Stockholm") == ("2026-03-28 23:00:00", "2026-03-29 22:00:00")


@pytest.mark.parametrize(
    "operator, value",
    [
        ("=", "2026-12-01 10:00:00"),  # a time of day: as given (UTC)
        ("=", "2026-12-01T10:00:00Z"),
        ("in", ["2026-12-01"]),
        ("ilike", "2026-12-01"),
        ("=", False),
        ("=", 20261201),
        ("=", "20261201"),
    ],
)
def test_day_condition_leaves_other_values(operator, value):
    assert parsing.day_condition("d", operator, value, "Europe/Paris") is None


def test_day_condition_refuses_impossible_dates_and_zones():
    raises(400, "invalid_domain", parsing.day_condition, "d", ">=", "2026-02-30", None)
    raises(400, "invalid_domain", parsing.day_condition, "d", ">=", "0001-01-01", "Asia/Tokyo")  # before year 1 in UTC
    raises(400, "invalid_tz", parsing.day_condition, "d", ">=", "2026-12-01", "Mars/Olympus")
    assert parsing.day_bounds("9999-12-31", None) == ("9999-12-31 00:00:00", "9999-12-31 23:59:59")


def test_local_today():
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert parsing.local_today(None) == today
    assert abs((parsing.local_today("Pacific/Kiritimati") - today).days) <= 1


# -- parse_int -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (None, 100),
        ("", 100),
        ("50", 50),
        (" 7 ", 7),
        ("+3", 3),
        ("1", 1),
        ("1000", 1000),
        ("0001", 1),
    ],
)
def test_int_accepted(text, expected):
    assert parsing.parse_int("limit", text, 100, 1, 1000) == expected


def test_int_default_may_be_none_and_no_maximum():
    assert parsing.parse_int("start_after_id", None, None) is None
    assert parsing.parse_int("offset", "123456789", 0) == 123456789
    assert parsing.parse_int("delta", "-5", 0, -10, 10) == -5


@pytest.mark.parametrize(
    "text",
    [
        "ten",
        "1.5",
        "-",
        "+",
        "1e3",
        "0x10",
        "1_000",
        "\u0661\u0662",
        "5 5",
        "true",
        pytest.param("1" * 5000, id="5000-digits"),
    ],
)
def test_int_not_a_number(text):
    err = raises(400, "invalid_limit", parsing.parse_int, "limit", text, 100, 1, 1000)
    assert "limit" in err.message


@pytest.mark.parametrize(
    "text, bound",
    [("0", "1"), ("-4", "1"), ("1001", "1000"), ("99999999999999999999", "1000")],
)
def test_int_out_of_bounds(text, bound):
    err = raises(400, "invalid_limit", parsing.parse_int, "limit", text, 100, 1, 1000)
    assert bound in err.message


def test_int_error_code_follows_the_name():
    raises(400, "invalid_offset", parsing.parse_int, "offset", "-1", 0)
    raises(400, "invalid_start_after_id", parsing.parse_int, "start_after_id", str(2**31), None, 0, parsing.MAX_ID)
    assert parsing.parse_int("start_after_id", str(2**31 - 1), None, 0, parsing.MAX_ID) == 2**31 - 1


# -- parse_order -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (None, []),
        ("", []),
        ("scheduled_date_start", [("scheduled_date_start", "asc")]),
        ("name DESC, id", [("name", "desc"), ("id", "asc")]),
        ("name asc,id desc", [("name", "asc"), ("id", "desc")]),
        ("  name   Desc  ,   id  ASC  ", [("name", "desc"), ("id", "asc")]),
        ("priority desc, scheduled_date_start", [("priority", "desc"), ("scheduled_date_start", "asc")]),
    ],
)
def test_order_accepted(text, expected):
    assert parsing.parse_order(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "name; drop table",
        "name sideways",
        "a b c",
        "name,",
        ",name",
        "name desc nulls last",
        "partner_id.name",
        "1name",
        "name-desc",
        "name desc; delete",
        "(select 1)",
        "\u212aelvin",  # KELVIN SIGN would match [A-Za-z] under a Unicode IGNORECASE
        "name a\u017fc",  # LATIN SMALL LETTER LONG S
    ],
)
def test_order_refused(text):
    err = raises(400, "invalid_order", parsing.parse_order, text)
    assert "asc|desc" in err.message


# -- parse_json_body -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, expected",
    [
        (b'{"a": 1}', {"a": 1}),
        (b'[{"name": "Job"}, {"name": "Other"}]', [{"name": "Job"}, {"name": "Other"}]),
        ('{"name": "Åsa"}'.encode(), {"name": "Åsa"}),
        (b'  {"a": null, "b": true}\n', {"a": None, "b": True}),
        (b"{}", {}),
    ],
)
def test_json_body_accepted(raw, expected):
    assert parsing.parse_json_body(raw, 1024) == expected


def test_json_body_too_large():
    err = raises(413, "payload_too_large", parsing.parse_json_body, b"x" * 101, 100)
    assert "100" in err.message
    assert parsing.parse_json_body(b'"' + b"x" * 98 + b'"', 100) == "x" * 98  # exactly the limit: fine
    raises(413, "payload_too_large", parsing.parse_json_body, b'{"a": "' + b"x" * (1024 * 1024) + b'"}', 1024 * 1024)


@pytest.mark.parametrize("raw", [b"", b"   ", b"\n\t"])
def test_json_body_empty(raw):
    err = raises(400, "invalid_json", parsing.parse_json_body, raw, 100)
    assert err.message == "empty body"


def test_json_body_malformed_names_the_position():
    err = raises(400, "invalid_json", parsing.parse_json_body, b'{"a": 1,\n "b": }', 100)
    assert "line 2" in err.message and "column" in err.message
    assert err.details == {"line": 2, "column": 7, "position": 15}


@pytest.mark.parametrize(
    "raw",
    [
        b"{oops",
        b"\xff\xfe",
        b'{"a": "\xc3"}',
        b'{"a": NaN}',
        b"[Infinity]",
        b"{'a': 1}",
        pytest.param(b"[" * 100000, id="deep-nesting"),
        b"[1,]",
    ],
)
def test_json_body_refused(raw):
    raises(400, "invalid_json", parsing.parse_json_body, raw, 10**6)


def test_json_body_bad_utf8_names_the_byte():
    err = raises(400, "invalid_json", parsing.parse_json_body, b'{"a": "\xff"}', 100)
    assert err.details == {"position": 7} and "7" in err.message


# -- value_to_orm: scalars -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "desc, value, expected",
    [
        ({"type": "boolean"}, True, True),
        ({"type": "boolean"}, False, False),
        ({"type": "integer"}, 42, 42),
        ({"type": "integer"}, -7, -7),
        ({"type": "integer"}, 0, 0),
        ({"type": "integer"}, None, False),
        ({"type": "integer"}, 2**31 - 1, 2**31 - 1),
        ({"type": "float"}, 75.5, 75.5),
        ({"type": "float"}, 3, 3),
        ({"type": "float"}, None, False),
        ({"type": "monetary"}, 19.99, 19.99),
        ({"type": "monetary"}, None, False),
        ({"type": "char"}, "Pump repair", "Pump repair"),
        ({"type": "char"}, "", ""),
        ({"type": "char"}, None, False),
        ({"type": "text"}, "line 1\nline 2", "line 1\nline 2"),
        ({"type": "html"}, "<p><b>New</b></p>", "<p><b>New</b></p>"),
        ({"type": "html"}, None, False),
        ({"type": "date"}, "2025-11-01", "2025-11-01"),
        ({"type": "date"}, "2024-02-29", "2024-02-29"),
        ({"type": "date"}, None, False),
        ({"type": "many2one", "relation": "res.partner"}, 45, 45),
        ({"type": "many2one"}, None, False),
        ({"type": "many2one"}, False, False),
        ({"type": "many2one_reference"}, 12, 12),
        ({"type": "many2one_reference"}, None, False),
        ({"type": "reference"}, "calendar.event,15", "calendar.event,15"),
        ({"type": "reference"}, "res.partner,007", "res.partner,7"),
        ({"type": "reference"}, None, False),
        ({"type": "json"}, '{"1": 2000}', {"1": 2000}),
        ({"type": "json"}, {"1": 2000}, {"1": 2000}),
        ({"type": "json"}, [1, "a"], [1, "a"]),
        ({"type": "json"}, "[]", []),
        ({"type": "json"}, None, False),
        ({"type": "properties"}, {"color": "red"}, {"color": "red"}),
        ({"type": "properties"}, [{"name": "p1", "value": 2}], [{"name": "p1", "value": 2}]),
        ({"type": "properties"}, None, False),
        ({"type": "binary"}, "aGVsbG8=", "aGVsbG8="),
        ({"type": "binary"}, "aGVs\nbG8=", "aGVs\nbG8="),
        ({"type": "image"}, "iVBORw0KGgo=", "iVBORw0KGgo="),
        ({"type": "image"}, None, False),
        ({"type": "unknown_type"}, {"any": "thing"}, {"any": "thing"}),
        ({"type": "unknown_type"}, None, None),
        ({}, 5, 5),
    ],
)
def test_value_to_orm(desc, value, expected):
    result = parsing.value_to_orm("f", desc, value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2", "2"),
        (2, "2"),
        ("0", "0"),
        (0, "0"),
        (None, False),
    ],
)
def test_selection_priority(value, expected):
    assert parsing.value_to_orm("priority", PRIORITY, value) == expected


def test_selection_keys_compared_as_is():
    desc = {"type": "selection", "selection": [("draft", "Draft"), ("done", "Done")]}
    assert parsing.value_to_orm("state", desc, "done") == "done"
    raises(422, "invalid_value", parsing.value_to_orm, "state", desc, "Done")
    raises(422, "invalid_value", parsing.value_to_orm, "state", desc, "draft ")
    int_keys = {"type": "selection", "selection": [[1, "One"], [2, "Two"]]}
    assert parsing.value_to_orm("n", int_keys, 2) == 2
    raises(422, "invalid_value", parsing.value_to_orm, "n", int_keys, True)  # True == 1, but not a key
    # seed 003 gives selection keys as strings, integer keys included
    assert parsing.value_to_orm("n", int_keys, "2") == 2
    raises(422, "invalid_value", parsing.value_to_orm, "n", int_keys, "3")
    raises(422, "invalid_value", parsing.value_to_orm, "n", int_keys, "2.0")
    raises(422, "invalid_value", parsing.value_to_orm, "n", int_keys, "two")


@pytest.mark.parametrize("value", ["9", 9, "High", True, 2.0, ["2"], {"2": 1}, ""])
def test_selection_refused(value):
    err = raises(422, "invalid_value", parsing.value_to_orm, "priority", PRIORITY, value)
    assert err.details == {"field": "priority"}
    assert "'2'" in err.message


@pytest.mark.parametrize(
    "desc, value",
    [
        ({"type": "boolean"}, 1),
        ({"type": "boolean"}, 0),
        ({"type": "boolean"}, "true"),
        ({"type": "boolean"}, None),
        ({"type": "integer"}, 1.5),
        ({"type": "integer"}, 2.0),
        ({"type": "integer"}, "5"),
        ({"type": "integer"}, True),
        ({"type": "integer"}, 2**31),
        ({"type": "integer"}, -(2**31) - 1),
        ({"type": "float"}, "1.5"),
        ({"type": "float"}, True),
        ({"type": "float"}, [1.5]),
        ({"type": "float"}, float("nan")),
        ({"type": "float"}, float("inf")),
        pytest.param({"type": "monetary"}, 10**400, id="monetary-int-beyond-float"),
        ({"type": "monetary"}, {"amount": 1}),
        ({"type": "char"}, 12),
        ({"type": "char"}, True),
        ({"type": "char"}, ["a"]),
        ({"type": "text"}, {"a": 1}),
        ({"type": "html"}, 1.5),
        ({"type": "date"}, "2025-11-01 10:00:00"),
        ({"type": "date"}, "2025-11-01T10:00:00Z"),
        ({"type": "date"}, "2025-02-30"),
        ({"type": "date"}, "2025-13-01"),
        ({"type": "date"}, "01/11/2025"),
        ({"type": "date"}, "20251101"),
        ({"type": "date"}, "2025-W44-6"),
        ({"type": "date"}, "\uff12\uff10\uff12\uff15-\uff11\uff11-\uff10\uff11"),
        ({"type": "date"}, 20251101),
        ({"type": "many2one"}, "abc"),
        ({"type": "many2one"}, "45"),
        ({"type": "many2one"}, True),
        ({"type": "many2one"}, 0),
        ({"type": "many2one"}, -3),
        ({"type": "many2one"}, 4.0),
        ({"type": "many2one"}, [45, "Name"]),
        ({"type": "many2one"}, 2**31),
        ({"type": "many2one_reference"}, "12"),
        ({"type": "many2one_reference"}, 0),
        ({"type": "reference"}, "calendar.event"),
        ({"type": "reference"}, "calendar.event,"),
        ({"type": "reference"}, "calendar.event,0"),
        ({"type": "reference"}, "calendar.event,-1"),
        ({"type": "reference"}, "Calendar.Event,15"),
        ({"type": "reference"}, "calendar event,15"),
        ({"type": "reference"}, "calendar.event,15,16"),
        ({"type": "reference"}, " calendar.event,15"),
        ({"type": "reference"}, "calendar..event,15"),
        ({"type": "reference"}, ["calendar.event", 15]),
        ({"type": "reference"}, f"res.partner,{2**31}"),
        ({"type": "json"}, "{bad"),
        ({"type": "json"}, "NaN"),
        ({"type": "json"}, 5),
        ({"type": "json"}, True),
        ({"type": "properties"}, "color=red"),
        ({"type": "properties"}, 3),
        ({"type": "binary"}, 12),
        ({"type": "binary"}, "not base64!"),
        ({"type": "binary"}, "abc"),
        ({"type": "image"}, "data:image/png;base64,iVBORw0KGgo="),
    ],
)
def test_value_to_orm_refused(desc, value):
    err = raises(422, "invalid_value", parsing.value_to_orm, "f", desc, value)
    assert err.details == {"field": "f"}
    assert err.message.startswith("f: ")


# -- value_to_orm: datetimes -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-12-15 09:00:00", "2025-12-15 09:00:00"),
        ("2025-12-15T09:00:00", "2025-12-15 09:00:00"),
        ("2025-12-15T10:00:00+01:00", "2025-12-15 09:00:00"),
        ("2025-12-15T09:00:00Z", "2025-12-15 09:00:00"),
        ("2025-12-15T09:00:00z", "2025-12-15 09:00:00"),
        ("2025-12-15T09:00:00+00:00", "2025-12-15 09:00:00"),
        ("2025-12-15T04:00:00-05:00", "2025-12-15 09:00:00"),
        ("2025-12-15T14:30:00+05:30", "2025-12-15 09:00:00"),
        ("2025-12-15 10:00:00+01:00", "2025-12-15 09:00:00"),
        ("2025-12-15T09:00:00.123", "2025-12-15 09:00:00"),
        ("2025-12-15T09:00:00.999999Z", "2025-12-15 09:00:00"),
        ("2025-12-15T09:00:00.1234567+01:00", "2025-12-15 08:00:00"),
        ("2025-12-15", "2025-12-15 00:00:00"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31 23:30:00"),
        ("2025-12-31T23:30:00-01:00", "2026-01-01 00:30:00"),
        ("2024-02-29T23:59:59", "2024-02-29 23:59:59"),
        (None, False),
        (False, False),
    ],
)
def test_datetime_in(value, expected):
    assert parsing.value_to_orm("scheduled_date_start", {"type": "datetime"}, value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "",
        "2025-12-15 09:00",
        "2025-12-15T09",
        "2025-12-15T25:00:00",
        "2025-12-15T09:60:00",
        "2025-12-15T09:00:60",
        "2025-02-30T09:00:00",
        "2025-12-15T09:00:00+0100",
        "2025-12-15T09:00:00+01",
        "2025-12-15T09:00:00+24:00",
        "2025-12-15T09:00:00+01:60",
        "2025-12-15T09:00:00 UTC",
        "2025-12-15T09:00:00.",
        "15/12/2025 09:00:00",
        "2025-12-15X09:00:00",
        " 2025-12-15 09:00:00",
        "2025-12-15 09:00:00\n",
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:30:00-01:00",
        "\uff12\uff10\uff12\uff15-12-15 09:00:00",
        1734253200,
        True,
        ["2025-12-15 09:00:00"],
    ],
)
def test_datetime_refused(value):
    err = raises(422, "invalid_value", parsing.value_to_orm, "date_start", {"type": "datetime"}, value)
    assert err.details == {"field": "date_start"}


def test_datetime_keeps_four_digit_years():
    assert parsing.value_to_orm("d", {"type": "datetime"}, "0099-01-02 03:04:05") == "0099-01-02 03:04:05"


# -- value_to_orm: x2many commands -----------------------------------------------------------------
@pytest.mark.parametrize(
    "desc, value, expected",
    [
        ({"type": "many2many"}, [[6, 0, [1, 2, 3]]], [(6, 0, [1, 2, 3])]),
        ({"type": "many2many"}, [[0, 0, {"name": "New Tag"}]], [(0, 0, {"name": "New Tag"})]),
        ({"type": "many2many"}, [[4, 10, 0], [4, 15, 0], [3, 8, 0]], [(4, 10, 0), (4, 15, 0), (3, 8, 0)]),
        ({"type": "one2many"}, [[1, 45, {"product_uom_qty": 10}]], [(1, 45, {"product_uom_qty": 10})]),
        ({"type": "one2many"}, [[2, 12, 0]], [(2, 12, 0)]),
        ({"type": "many2many"}, [[5, 0, 0]], [(5, 0, 0)]),
        ({"type": "many2many"}, [[5]], [(5, 0, 0)]),
        ({"type": "many2many"}, [[2, 12], [3, 13], [4, 14]], [(2, 12, 0), (3, 13, 0), (4, 14, 0)]),
        ({"type": "many2many"}, [[4, 14, False], [4, 15, None]], [(4, 14, 0), (4, 15, 0)]),
        ({"type": "many2many"}, [(6, 0, (1, 2))], [(6, 0, [1, 2])]),
        ({"type": "many2many"}, [[6, 0, []]], [(6, 0, [])]),
        ({"type": "many2many"}, [[5, 0, 0], [4, 7, 0]], [(5, 0, 0), (4, 7, 0)]),
        ({"type": "many2many"}, [1, 2], [(6, 0, [1, 2])]),
        ({"type": "many2many"}, [7], [(6, 0, [7])]),
        ({"type": "many2many"}, [], [(6, 0, [])]),
        ({"type": "many2many"}, None, [(5, 0, 0)]),
        ({"type": "one2many"}, False, [(5, 0, 0)]),
    ],
)
def test_commands(desc, value, expected):
    result = parsing.value_to_orm("tag_ids", desc, value)
    assert result == expected
    assert all(type(cmd) is tuple and len(cmd) == 3 for cmd in result)


def test_commands_keep_nested_values_unchanged():
    values = {"name": "Line", "product_uom_qty": 10, "date": "2025-12-15T10:00:00+01:00"}
    result = parsing.value_to_orm("line_ids", {"type": "one2many"}, [[0, 0, values], [1, 3, values]])
    assert result[0][2] is values and result[1][2] is values
    assert values["date"] == "2025-12-15T10:00:00+01:00"


@pytest.mark.parametrize(
    "value, index",
    [
        ([[7, 0, 0]], 0),
        ([[4, 10, 0], [4, 0, 0]], 1),
        ([[4, 10, 0], [4, -1, 0]], 1),
        ([[4, "10", 0]], 0),
        ([[4, True, 0]], 0),
        ([[4, 10, 5]], 0),
        ([[4, 10, 0, 0]], 0),
        ([[4]], 0),
        ([[2]], 0),
        ([[3, 8, {"a": 1}]], 0),
        ([[0, 0, "name"]], 0),
        ([[0, 0]], 0),
        ([[0, 5, {"name": "x"}]], 0),
        ([[0, "virtual_1", {"name": "x"}]], 0),
        ([[1, 0, {"a": 1}]], 0),
        ([[1, 45]], 0),
        ([[1, 45, [1]]], 0),
        ([[5, 1, 0]], 0),
        ([[5, 0, 0, 0]], 0),
        ([[6, 0, [1, 0]]], 0),
        ([[6, 0, [1, "2"]]], 0),
        ([[6, 0, 1]], 0),
        ([[6, 1, [1]]], 0),
        ([[6, 0, [True]]], 0),
        ([[6, 0, [2**31]]], 0),
        ([[6, 0]], 0),
        ([[]], 0),
        ([["4", 10, 0]], 0),
        ([[True, 10, 0]], 0),
        ([{"cmd": 4}], 0),
        ([[4, 10, 0], "x"], 1),
        ([1, [4, 2, 0]], 0),
    ],
)
def test_commands_refused_name_the_index(value, index):
    err = raises(422, "invalid_value", parsing.value_to_orm, "tag_ids", {"type": "many2many"}, value)
    assert f"command {index}" in err.message
    assert err.details == {"field": "tag_ids"}


@pytest.mark.parametrize("value", ["1,2", 5, {"6": [1]}, [1, 0], [1, -2], [True, False], [1, 2**31]])
def test_commands_refused(value):
    err = raises(422, "invalid_value", parsing.value_to_orm, "tag_ids", {"type": "many2many"}, value)
    assert err.details == {"field": "tag_ids"}


# -- value_from_orm --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "desc, value, expected",
    [
        ({"type": "boolean"}, True, True),
        ({"type": "boolean"}, False, False),
        ({"type": "boolean"}, None, False),
        ({"type": "many2one"}, (3, "New"), [3, "New"]),
        ({"type": "many2one"}, [3, "New"], [3, "New"]),
        ({"type": "many2one"}, False, None),
        ({"type": "many2many"}, [1, 2], [1, 2]),
        ({"type": "one2many"}, (4, 5), [4, 5]),
        ({"type": "many2many"}, [], []),
        ({"type": "one2many"}, False, []),
        ({"type": "datetime"}, datetime.datetime(2025, 12, 13, 9, 15), "2025-12-13 09:15:00"),
        ({"type": "datetime"}, datetime.datetime(2025, 12, 13, 9, 15, 7, 123456), "2025-12-13 09:15:07"),
        ({"type": "datetime"}, datetime.datetime(99, 1, 2, 3, 4, 5), "0099-01-02 03:04:05"),
        ({"type": "datetime"}, False, None),
        ({"type": "date"}, datetime.date(2025, 12, 13), "2025-12-13"),
        ({"type": "date"}, False, None),
        ({"type": "integer"}, 0, 0),
        ({"type": "integer"}, 7, 7),
        ({"type": "float"}, 0.0, 0.0),
        ({"type": "float"}, 75.5, 75.5),
        ({"type": "monetary"}, 12.3, 12.3),
        ({"type": "float"}, False, None),
        ({"type": "char"}, "Pump", "Pump"),
        ({"type": "char"}, False, None),
        ({"type": "html"}, "<p>x</p>", "<p>x</p>"),
        ({"type": "selection"}, "2", "2"),
        ({"type": "selection"}, False, None),
        ({"type": "json"}, {"1": 2000}, {"1": 2000}),
        ({"type": "properties"}, [{"name": "p"}], [{"name": "p"}]),
        ({"type": "reference"}, "calendar.event,15", "calendar.event,15"),
        ({"type": "reference"}, False, None),
        ({"type": "many2one_reference"}, 15, 15),
        ({"type": "binary"}, b"aGVsbG8=", "aGVsbG8="),
        ({"type": "text"}, "", ""),
    ],
)
def test_value_from_orm(desc, value, expected):
    result = parsing.value_from_orm(desc, value)
    assert result == expected
    assert type(result) is type(expected)


def test_value_from_orm_results_are_json_serialisable():
    row = {
        "partner_id": ({"type": "many2one"}, (3, "Acme")),
        "scheduled_date_start": ({"type": "datetime"}, datetime.datetime(2025, 12, 15, 9, 0)),
        "date": ({"type": "date"}, datetime.date(2025, 12, 15)),
        "tag_ids": ({"type": "many2many"}, [1, 2]),
        "person_id": ({"type": "many2one"}, False),
        "description": ({"type": "html"}, False),
    }
    out = {name: parsing.value_from_orm(desc, value) for name, (desc, value) in row.items()}
    assert json.loads(json.dumps(out)) == {
        "partner_id": [3, "Acme"],
        "scheduled_date_start": "2025-12-15 09:00:00",
        "date": "2025-12-15",
        "tag_ids": [1, 2],
        "person_id": None,
        "description": None,
    }


def test_round_trip_datetime_and_many2one():
    written = parsing.value_to_orm("d", {"type": "datetime"}, "2025-12-15T10:00:00+01:00")
    moment = datetime.datetime.strptime(written, "%Y-%m-%d %H:%M:%S")
    assert parsing.value_from_orm({"type": "datetime"}, moment) == "2025-12-15 09:00:00"
    read = parsing.value_from_orm({"type": "many2one"}, (7, "Jane"))
    assert parsing.value_to_orm("person_id", {"type": "many2one"}, read[0]) == 7


def test_many2one_reference_takes_model_and_id():
    desc = {"type": "many2one_reference", "model_field": "res_model"}
    assert parsing.value_to_orm("res_id", desc, "res.partner,7") == ("res.partner", 7)
    assert parsing.value_to_orm("res_id", desc, 7) == 7
    for bad in ("res.partner", "res.partner,0", "Res.Partner,7", "res.partner,7,8"):
        raises(422, "invalid_value", parsing.value_to_orm, "res_id", desc, bad)


def test_parsed_domains_are_kept_and_each_caller_gets_its_own_copy():
    text = "[('stage_id', 'in', [1, 2]), '|', ('name', '=', 'x'), ('id', 'any', [('id', '>', 3)])]"
    first = parsing.parse_domain(text)
    first[0][2].append(99)  # a caller changing its domain changes no other caller's
    first.append(("id", "=", 1))
    second = parsing.parse_domain(text)
    assert second == [("stage_id", "in", [1, 2]), "|", ("name", "=", "x"), ("id", "any", [("id", ">", 3)])]
    assert second[0][2] is not first[0][2]
    assert parsing._parse_domain.cache_info().hits >= 1
    with pytest.raises(parsing.ApiError):  # a refused domain is refused every time (never kept)
        parsing.parse_domain("[('a', 'nope', 1)]")
    with pytest.raises(parsing.ApiError):
        parsing.parse_domain("[('a', 'nope', 1)]")


def test_parsed_field_lists_are_kept_and_each_caller_gets_its_own_copy():
    text = "['name', 'stage_id']"
    first = parsing.parse_fields(text)
    first.append("partner_id")
    assert parsing.parse_fields(text) == ["name", "stage_id"]
    spec_text = '{"time_log_ids": {"fields": {"check_in": {}}, "order": "check_in desc", "limit": 5}}'
    spec = parsing.parse_fields(spec_text)
    spec["time_log_ids"]["fields"]["check_out"] = {}
    spec["time_log_ids"]["order"].append(("id", "asc"))
    again = parsing.parse_fields(spec_text)
    assert again == {"time_log_ids": {"fields": {"check_in": {}}, "order": [("check_in", "desc")], "limit": 5}}
    assert parsing._parse_fields.cache_info().hits >= 2
    for _i in range(2):  # a refused list is refused every time (never kept)
        raises(400, "invalid_fields", parsing.parse_fields, "['a b']")
