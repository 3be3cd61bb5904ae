"""Related reads, allowed actions, language and time zone (issue 14) against the live server. Odoo's
own ``web_read`` (over XML-RPC, as the administrator) is the reference of the nested answers."""

import datetime
import json


def _jobs(rpc, factories, count=3):
    customer = factories.customer(email="related.live@example.com", phone="+46 8 000 00 00")
    return [factories.job(partner_id=customer["id"])["id"] for _ in range(count)], customer


def _falsy_to_none(value):
    """web_read's False for an empty value as the API's null (booleans aside: none asked here)."""
    if isinstance(value, dict):
        return {key: _falsy_to_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_falsy_to_none(item) for item in value]
    return None if value is False else value


def test_a_specification_answers_as_web_read_does(api, rpc, factories):
    ids, _customer = _jobs(rpc, factories)
    spec = {
        "name": {},
        "partner_id": {"fields": {"name": {}, "email": {}, "phone": {}}},
        "stage_id": {"fields": {"code": {}, "name": {}}},
        "location_id": {"fields": {"name": {}, "partner_id": {"fields": {"city": {}}}}},
    }
    resp = api.get(
        "/object/fsm.order",
        params={"domain": json.dumps([["id", "in", ids]]), "fields": json.dumps(spec), "order": "id"},
    )
    assert resp.status_code == 200, resp.text
    reference = rpc("fsm.order", "web_read", ids, specification=spec)
    assert resp.json()["fsm.order"] == [_falsy_to_none(row) for row in reference]
    # dotted names say the same
    dotted = "name,partner_id.name,partner_id.email,partner_id.phone,stage_id.code,stage_id.name,location_id.name,"
    dotted += "location_id.partner_id.city"
    resp = api.get(f"/object/fsm.order/{ids[0]}", params={"fields": dotted})
    assert resp.status_code == 200, resp.text
    assert resp.json()["fsm.order"] == _falsy_to_none(reference[0])


def test_a_visit_list_nested_in_its_job(api, rpc, factories):
    ids, _customer = _jobs(rpc, factories, count=1)
    path = f"/object/fsm.order/{ids[0]}"
    for _ in range(2):
        assert api.post(f"{path}/check_in", json={}).status_code == 200
        assert api.post(f"{path}/check_out", json={}).status_code == 200
    spec = {"time_log_ids": {"fields": {"check_in": {}, "check_out": {}}, "limit": 1, "order": "id desc"}}
    resp = api.get(path, params={"fields": json.dumps(spec)})
    assert resp.status_code == 200, resp.text
    [visit] = resp.json()["fsm.order"]["time_log_ids"]
    [last] = rpc("fsm.order.time.log", "search_read", [("order_id", "=", ids[0])], ["id"], order="id desc", limit=1)
    assert visit["id"] == last["id"] and visit["check_out"]


def test_hops_are_checked_and_the_feed_refuses_them(api, rpc, factories):
    ids, _customer = _jobs(rpc, factories, count=1)
    resp = api.get(f"/object/fsm.order/{ids[0]}", params={"fields": "partner_id.user_ids.login"})
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "not_exposed", resp.text
    resp = api.get(f"/object/fsm.order/{ids[0]}", params={"fields": "partner_id.nope"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "unknown_field", resp.text
    resp = api.get("/changes/fsm.order", params={"fields": "partner_id.email"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_fields", resp.text


def test_actions_follow_the_job(api, rpc, factories):
    ids, _customer = _jobs(rpc, factories, count=1)
    path = f"/object/fsm.order/{ids[0]}"

    def actions():
        resp = api.get(path, params={"fields": "stage_id,actions"})
        assert resp.status_code == 200, resp.text
        return resp.json()["fsm.order"]["actions"]

    assert actions() == ["schedule", "start", "complete", "cancel", "check_in", "update", "delete"]
    assert api.post(f"{path}/action_start", json={}).status_code == 200
    assert actions() == ["complete", "cancel", "check_in", "update"]
    assert api.post(f"{path}/check_in", json={}).status_code == 200
    assert actions() == ["complete", "cancel", "check_out", "update"]
    assert api.post(f"{path}/check_out", json={"complete": True}).status_code == 200
    assert actions() == ["update"]
    resp = api.get("/fsm/dashboard")
    assert resp.status_code == 200, resp.text
    by_code = {stage["code"]: stage["actions"] for stage in resp.json()["stages"]}
    assert by_code["completed"] == ["update"] and "delete" in by_code["new"]


def test_language_and_time_zone(api, rpc, factories):
    resp = api.get("/object/fsm.stage", params={"fields": "name"}, headers={"Accept-Language": "xx-YY, *;q=0.1"})
    assert resp.status_code == 200 and resp.headers["Content-Language"] == "en-US"
    resp = api.get("/object/fsm.stage", params={"tz": "Mars/Olympus_Mons"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_tz", resp.text
    # a job at 23:30 UTC is on the next day in Stockholm (UTC+1 in winter)
    customer = factories.customer()
    day = datetime.date(2042, 1, 15)
    job = factories.job(partner_id=customer["id"], scheduled_date_start=f"{day.isoformat()} 23:30:00")
    domain = json.dumps([["id", "=", job["id"]], ["scheduled_date_start", "=", "2042-01-16"]])
    for params, headers, found in (
        ({}, {}, []),
        ({"tz": "Europe/Stockholm"}, {}, [job["id"]]),
        ({}, {"X-Timezone": "Europe/Stockholm"}, [job["id"]]),
    ):
        resp = api.get("/object/fsm.order", params={"domain": domain, "fields": "name", **params}, headers=headers)
        assert resp.status_code == 200, resp.text
        assert [row["id"] for row in resp.json()["fsm.order"]] == found
