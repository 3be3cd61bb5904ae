"""Seed 000's FSMJobClient, unchanged but for stage ids read from GET fsm.stage, against the server."""

from datetime import datetime

import pytest
import requests


class FSMJobClient:
    # seed 000's client; only the stage ids are looked up instead of hard-coded
    def __init__(self, base_url: str, api_key: str, stage_ids: dict):
        self.base_url = base_url.rstrip("/")
        self.headers = {"X-API-Key": api_key, "Content-Type": "application/json"}
        self.stage_ids = stage_ids

    def create_job(self, partner_id, scheduled_start, scheduled_end=None, sale_order_id=None, person_id=None,
                   description=None) -> dict:  # fmt: skip
        data = {"partner_id": partner_id, "scheduled_date_start": scheduled_start}
        if scheduled_end:
            data["scheduled_date_end"] = scheduled_end
        if sale_order_id:
            data["sale_order_id"] = sale_order_id
        if person_id:
            data["person_id"] = person_id
        if description:
            data["description"] = description
        response = requests.post(
            f"{self.base_url}/restapi/1.0/object/fsm.order", headers=self.headers, json=data, timeout=60
        )
        response.raise_for_status()
        return response.json().get("fsm.order", {})

    def get_jobs_by_date(self, date: str) -> list:
        domain = [
            ("scheduled_date_start", ">=", f"{date} 00:00:00"),
            ("scheduled_date_start", "<=", f"{date} 23:59:59"),
        ]
        params = {
            "domain": str(domain),
            "fields": "['name','partner_id','scheduled_date_start','stage_id','person_id','location_id']",
            "order": "scheduled_date_start",
        }
        response = requests.get(
            f"{self.base_url}/restapi/1.0/object/fsm.order", headers=self.headers, params=params, timeout=60
        )
        response.raise_for_status()
        return response.json().get("fsm.order", [])

    def get_technician_jobs(self, person_id: int, include_completed: bool = False) -> list:
        domain = [("person_id", "=", person_id)]
        if not include_completed:
            domain.append(("stage_id", "not in", [self.stage_ids["completed"], self.stage_ids["cancelled"]]))
        params = {
            "domain": str(domain),
            "fields": "['name','partner_id','scheduled_date_start','stage_id','location_id']",
            "order": "scheduled_date_start",
        }
        response = requests.get(
            f"{self.base_url}/restapi/1.0/object/fsm.order", headers=self.headers, params=params, timeout=60
        )
        response.raise_for_status()
        return response.json().get("fsm.order", [])

    def update_stage(self, job_id: int, stage_id: int, **kwargs) -> dict:
        data = {"stage_id": stage_id, **kwargs}
        response = requests.put(
            f"{self.base_url}/restapi/1.0/object/fsm.order/{job_id}", headers=self.headers, json=data, timeout=60
        )
        response.raise_for_status()
        return response.json().get("fsm.order", {})

    def start_job(self, job_id: int) -> dict:
        return self.update_stage(
            job_id, stage_id=self.stage_ids["in_progress"], date_start=datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        )

    def complete_job(self, job_id: int) -> dict:
        return self.update_stage(
            job_id, stage_id=self.stage_ids["completed"], date_end=datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        )

    def reschedule_job(self, job_id: int, new_start: str, new_end: str | None = None) -> dict:
        data = {"scheduled_date_start": new_start}
        if new_end:
            data["scheduled_date_end"] = new_end
        response = requests.put(
            f"{self.base_url}/restapi/1.0/object/fsm.order/{job_id}", headers=self.headers, json=data, timeout=60
        )
        response.raise_for_status()
        return response.json().get("fsm.order", {})

    def get_stages(self) -> list:
        params = {"fields": "['name','sequence','is_closed']", "order": "sequence"}
        response = requests.get(
            f"{self.base_url}/restapi/1.0/object/fsm.stage", headers=self.headers, params=params, timeout=60
        )
        response.raise_for_status()
        return response.json().get("fsm.stage", [])


def test_client_flow(server_url, api_key, stages, factories, rpc):
    client = FSMJobClient(server_url, api_key, stages)
    customer = factories.customer()
    technician = factories.technician()
    sale = factories.sale_order(partner_id=customer["id"])
    today = datetime.now().strftime("%Y-%m-%d")
    job = client.create_job(
        partner_id=customer["id"],
        scheduled_start=f"{today} 09:00:00",
        scheduled_end=f"{today} 12:00:00",
        sale_order_id=sale["id"],
        person_id=technician["id"],
        description="Install motorized blinds",
    )
    assert job["name"].startswith("FSM")
    assert job["id"] in [j["id"] for j in client.get_jobs_by_date(today)]
    assert job["id"] in [j["id"] for j in client.get_technician_jobs(technician["id"])]
    started = client.start_job(job["id"])
    assert started["stage_id"][0] == stages["in_progress"]
    done = client.complete_job(job["id"])
    assert done["stage_id"][0] == stages["completed"]
    assert job["id"] not in [j["id"] for j in client.get_technician_jobs(technician["id"])]
    assert job["id"] in [j["id"] for j in client.get_technician_jobs(technician["id"], include_completed=True)]
    [ref] = rpc("fsm.order", "read", [job["id"]], fields=["stage_id", "date_start", "date_end"])
    assert ref["stage_id"][0] == stages["completed"] and ref["date_start"] and ref["date_end"]
    moved = client.reschedule_job(job["id"], "2030-01-02 14:00:00", "2030-01-02 17:00:00")
    assert moved["scheduled_date_start"] == "2030-01-02 14:00:00"
    names = [s["name"] for s in client.get_stages()]
    workflow = [n for n in names if n in ("New", "Scheduled", "In Progress", "Completed", "Cancelled")]
    assert workflow == ["New", "Scheduled", "In Progress", "Completed", "Cancelled"]


def test_dashboard_in_one_call(api, factories, rpc):
    factories.job(scheduled_date_start="2032-05-06 08:00:00")
    resp = api.get("/fsm/dashboard", params={"date": "2032-05-06"})
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert (
        data["today_count"]
        == len(data["jobs"])
        == rpc(
            "fsm.order",
            "search_count",
            [
                ("scheduled_date_start", ">=", "2032-05-06 00:00:00"),
                ("scheduled_date_start", "<", "2032-05-07 00:00:00"),
            ],
        )
    )
    total = sum(s["count"] for s in data["stages"])
    assert total == rpc("fsm.order", "search_count", [])


def test_missing_key_is_a_json_401(server_url):
    resp = requests.get(f"{server_url}/restapi/1.0/object/fsm.order", timeout=30)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "missing_api_key"


@pytest.mark.parametrize(
    "method, kwargs, code",
    [
        ("GET", {"params": {"domain": "[('name','=',open('x'))]"}}, "invalid_domain"),
        ("POST", {"data": "{oops"}, "invalid_json"),
    ],
)
def test_client_mistakes_are_json_400(api, method, kwargs, code):
    resp = api.request(method, "/object/fsm.order", **kwargs)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == code
