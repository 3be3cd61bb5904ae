"""Seed 000's curl examples, as requests calls, against the live server; REST answers are checked
against XML-RPC reads of the same records."""

import xmlrpc.client

import pytest


def test_server_is_odoo_18(server_url):
    version = xmlrpc.client.ServerProxy(f"{server_url}/xmlrpc/2/common").version()
    assert version["server_version"].startswith("18.")


def test_xmlrpc_login_is_the_configured_user(rpc):
    assert rpc("res.users", "search", [("login", "=", rpc.login)]) == [rpc.uid]


def test_create_job(api, rpc, factories):
    customer = factories.customer()
    technician = factories.technician()
    sale = factories.sale_order(partner_id=customer["id"])
    resp = api.post(
        "/object/fsm.order",
        json={
            "partner_id": customer["id"],
            "sale_order_id": sale["id"],
            "scheduled_date_start": "2025-12-15 09:00:00",
            "scheduled_date_end": "2025-12-15 12:00:00",
            "person_id": technician["id"],
            "description": "Install motorized blinds - living room and bedroom",
        },
    )
    assert resp.status_code == 201, resp.text
    job = resp.json()["fsm.order"]
    [ref] = rpc(
        "fsm.order",
        "read",
        [job["id"]],
        fields=["name", "partner_id", "sale_id", "scheduled_date_start", "scheduled_duration", "person_id", "stage_id"],
    )
    assert job["name"] == ref["name"] and job["name"].startswith("FSM")
    assert job["partner_id"] == ref["partner_id"]
    assert job["sale_order_id"] == ref["sale_id"]
    assert job["person_id"] == ref["person_id"]
    assert job["scheduled_date_start"] == ref["scheduled_date_start"] == "2025-12-15 09:00:00"
    assert job["duration"] == ref["scheduled_duration"] == 3.0
    assert job["stage_id"] == ref["stage_id"]
    assert ref["stage_id"][1] == "Scheduled", "a technician and a start schedule the job"


def test_jobs_by_stage(api, rpc, factories, stages):
    job = factories.job()
    resp = api.get(
        "/object/fsm.order",
        params={
            "domain": f"[('stage_id','=',{stages['new']})]",
            "fields": "['name','partner_id','scheduled_date_start','person_id','location_id']",
            "limit": "50",
            "order": "scheduled_date_start",
        },
    )
    assert resp.status_code == 200, resp.text
    rows = resp.json()["fsm.order"]
    ids = rpc("fsm.order", "search", [("stage_id", "=", stages["new"])], limit=50, order="scheduled_date_start")
    assert [r["id"] for r in rows] == ids
    assert set(rows[0]) == {"id", "name", "partner_id", "scheduled_date_start", "person_id", "location_id"}
    assert int(resp.headers["X-Total-Count"]) == rpc("fsm.order", "search_count", [("stage_id", "=", stages["new"])])
    # the new job is among them (the first 50 may be other tests' jobs)
    mine = api.get(
        "/object/fsm.order",
        params={"domain": f"[('stage_id','=',{stages['new']}),('partner_id','=',{job['partner_id'][0]})]"},
    )
    assert [r["id"] for r in mine.json()["fsm.order"]] == [job["id"]]


def test_todays_jobs(api, rpc, factories):
    job = factories.job(scheduled_date_start="2025-12-13 10:00:00")
    domain = [
        ("scheduled_date_start", ">=", "2025-12-13 00:00:00"),
        ("scheduled_date_start", "<=", "2025-12-13 23:59:59"),
    ]
    resp = api.get(
        "/object/fsm.order",
        params={
            "domain": str(domain),
            "fields": "['name','partner_id','scheduled_date_start','stage_id','person_id']",
            "order": "scheduled_date_start",
        },
    )
    rows = resp.json()["fsm.order"]
    assert job["id"] in [r["id"] for r in rows]
    ref = rpc("fsm.order", "search_read", domain, fields=["name", "stage_id"], order="scheduled_date_start")
    assert [(r["id"], r["name"], r["stage_id"]) for r in rows] == [(r["id"], r["name"], r["stage_id"]) for r in ref]


def test_jobs_by_technician(api, factories, stages):
    tech = factories.technician()
    open_job = factories.job(person_id=tech["id"])
    closed_job = factories.job(person_id=tech["id"])
    api.post(f"/object/fsm.order/{closed_job['id']}/action_cancel").raise_for_status()
    resp = api.get(
        "/object/fsm.order",
        params={
            "domain": f"[('person_id','=',{tech['id']}),('stage_id','not in',[{stages['cancelled']}])]",
            "fields": "['name','partner_id','scheduled_date_start','stage_id','location_id']",
            "order": "scheduled_date_start",
        },
    )
    assert [r["id"] for r in resp.json()["fsm.order"]] == [open_job["id"]]


def test_job_detail(api, rpc, factories):
    sale = factories.sale_order()
    job = factories.job(sale_id=sale["id"], scheduled_date_start="2025-12-15 09:00:00", scheduled_duration=2.5)
    fields = [
        "name", "partner_id", "location_id", "sale_order_id", "scheduled_date_start", "scheduled_date_end",
        "date_start", "date_end", "stage_id", "person_id", "description", "duration",
    ]  # fmt: skip
    resp = api.get(f"/object/fsm.order/{job['id']}", params={"fields": str(fields)})
    assert resp.status_code == 200, resp.text
    detail = resp.json()["fsm.order"]
    assert set(detail) == {"id", *fields}
    [ref] = rpc(
        "fsm.order", "read", [job["id"]], fields=["location_id", "sale_id", "scheduled_date_end", "description"]
    )
    assert detail["location_id"] == ref["location_id"]
    assert detail["sale_order_id"] == ref["sale_id"] and ref["sale_id"][0] == sale["id"]
    assert detail["scheduled_date_end"] == ref["scheduled_date_end"] == "2025-12-15 11:30:00"
    assert detail["duration"] == 2.5
    assert detail["date_start"] is None and detail["person_id"] is None
    assert detail["description"] == ref["description"]


def test_update_stage_and_complete(api, rpc, factories, stages):
    job = factories.job()
    path = f"/object/fsm.order/{job['id']}"
    # Update Job Stage: In Progress with the actual start
    resp = api.put(path, json={"stage_id": stages["in_progress"], "date_start": "2025-12-13 09:15:00"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["fsm.order"]["stage_id"][0] == stages["in_progress"]
    # Complete a Job
    resp = api.put(path, json={"stage_id": stages["completed"], "date_end": "2025-12-13 11:30:00"})
    assert resp.status_code == 200, resp.text
    [ref] = rpc("fsm.order", "read", [job["id"]], fields=["stage_id", "date_start", "date_end", "effective_duration"])
    assert ref["stage_id"][0] == stages["completed"]
    assert (ref["date_start"], ref["date_end"]) == ("2025-12-13 09:15:00", "2025-12-13 11:30:00")
    assert ref["effective_duration"] == resp.json()["fsm.order"]["effective_duration"] == 2.25


def test_reschedule_and_reassign(api, rpc, factories, stages):
    job = factories.job()
    tech = factories.technician()
    path = f"/object/fsm.order/{job['id']}"
    resp = api.put(
        path, json={"scheduled_date_start": "2025-12-16 14:00:00", "scheduled_date_end": "2025-12-16 17:00:00"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["fsm.order"]["duration"] == 3.0
    resp = api.put(path, json={"person_id": tech["id"]})
    assert resp.json()["fsm.order"]["person_id"] == [tech["id"], tech["name"]]
    [ref] = rpc("fsm.order", "read", [job["id"]], fields=["person_id", "stage_id", "scheduled_date_start"])
    assert ref["person_id"][0] == tech["id"] and ref["scheduled_date_start"] == "2025-12-16 14:00:00"
    assert ref["stage_id"][0] == stages["scheduled"]


def test_stages(api):
    resp = api.get("/object/fsm.stage", params={"fields": "['name','sequence','is_closed']", "order": "sequence"})
    names = [s["name"] for s in resp.json()["fsm.stage"]]
    workflow = [n for n in names if n in ("New", "Scheduled", "In Progress", "Completed", "Cancelled")]
    assert workflow == ["New", "Scheduled", "In Progress", "Completed", "Cancelled"]


def test_location_of_a_customer(api, rpc, factories):
    customer = factories.customer()
    job = factories.job(partner_id=customer["id"])
    resp = api.get(
        "/object/fsm.location",
        params={
            "domain": f"[('partner_id','=',{customer['id']})]",
            "fields": "['name','street','city','state_id','zip']",
        },
    )
    [loc] = resp.json()["fsm.location"]
    assert (loc["street"], loc["city"], loc["zip"]) == (customer["street"], customer["city"], customer["zip"])
    assert rpc("fsm.order", "read", [job["id"]], fields=["location_id"])[0]["location_id"][0] == loc["id"]


def test_technicians(api, factories):
    tech = factories.technician()
    resp = api.get("/object/fsm.person", params={"fields": "['name','partner_id','user_id']", "limit": 1000})
    rows = {p["id"]: p for p in resp.json()["fsm.person"]}
    assert rows[tech["id"]]["name"] == tech["name"]


def test_sale_order(api, factories):
    sale = factories.sale_order()
    resp = api.get(
        f"/object/sale.order/{sale['id']}", params={"fields": "['name','partner_id','amount_total','order_line']"}
    )
    body = resp.json()["sale.order"]
    assert body["partner_id"] == sale["partner_id"]  # [id, name], from the REST API and from XML-RPC
    assert body["order_line"] == [] and body["amount_total"] == 0


DOMAIN_EXAMPLES = {
    "open": lambda st: [("stage_id", "not in", [st["completed"], st["cancelled"]])],
    "this week": lambda st: [
        ("scheduled_date_start", ">=", "2025-12-09"),
        ("scheduled_date_start", "<=", "2025-12-15"),
    ],
    "unassigned": lambda st: [("person_id", "=", False)],
    "installations": lambda st: [("type", "=", "install")],
    "services": lambda st: [("type", "=", "service")],
    "overdue": lambda st: [
        ("scheduled_date_start", "<", "2025-12-13"),
        ("stage_id", "not in", [st["completed"], st["cancelled"]]),
    ],
}


@pytest.mark.parametrize("example", sorted(DOMAIN_EXAMPLES))
def test_domain_filter_examples(api, rpc, factories, stages, example):
    factories.job(type=rpc("fsm.order.type", "search", [("code", "=", "install")])[0])
    domain = DOMAIN_EXAMPLES[example](stages)
    resp = api.get(
        "/object/fsm.order", params={"domain": str(domain), "fields": "['id']", "limit": "1000", "order": "id"}
    )
    assert resp.status_code == 200, resp.text
    orm_domain = [("fsm_type", *leaf[1:]) if leaf[0] == "type" else leaf for leaf in domain]
    assert [r["id"] for r in resp.json()["fsm.order"]] == rpc("fsm.order", "search", orm_domain, limit=1000, order="id")
    assert int(resp.headers["X-Total-Count"]) == rpc("fsm.order", "search_count", orm_domain)
