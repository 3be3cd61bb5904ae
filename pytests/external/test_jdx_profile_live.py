"""Seed 000's Python client, verbatim (its hard-coded stage ids included), against the live server with a key
that has the JDX stage numbering (New 1, Scheduled 2, In Progress 3, Completed 4, Cancelled 5). The key is
made as the backend's "New API Key" wizard makes it, over a web session of the configured user (Odoo's
make_key needs an HTTP request whose session checked the password), and removed at the end. A key without
the numbering (FSJ_API_KEY) sees Odoo's ids for the same jobs; XML-RPC is the reference."""

# ruff: noqa: RUF013
# (RUF013: seed 000's client writes `scheduled_end: str = None`; the class below is kept character for character)

import uuid
from datetime import datetime, timedelta

import pytest
import requests

CODES = ["new", "scheduled", "in_progress", "completed", "cancelled"]
NAMES = ["New", "Scheduled", "In Progress", "Completed", "Cancelled"]


# -- seed 000's "Python Client Example", verbatim -----------------------------------------------------
# fmt: off
class FSMJobClient:
    def __init__(self, base_url: str, api_key: str):
        self.base_url = base_url.rstrip('/')
        self.headers = {
            'X-API-Key': api_key,
            'Content-Type': 'application/json'
        }

    def create_job(
        self,
        partner_id: int,
        scheduled_start: str,
        scheduled_end: str = None,
        sale_order_id: int = None,
        person_id: int = None,
        description: str = None
    ) -> dict:
        """Create a new FSM job."""
        data = {
            'partner_id': partner_id,
            'scheduled_date_start': scheduled_start
        }
        if scheduled_end:
            data['scheduled_date_end'] = scheduled_end
        if sale_order_id:
            data['sale_order_id'] = sale_order_id
        if person_id:
            data['person_id'] = person_id
        if description:
            data['description'] = description

        response = requests.post(
            f"{self.base_url}/restapi/1.0/object/fsm.order",
            headers=self.headers,
            json=data
        )
        response.raise_for_status()
        return response.json().get('fsm.order', {})

    def get_jobs_by_date(self, date: str) -> list:
        """Get all jobs for a specific date."""
        domain = [
            ('scheduled_date_start', '>=', f'{date} 00:00:00'),
            ('scheduled_date_start', '<=', f'{date} 23:59:59')
        ]
        params = {
            'domain': str(domain),
            'fields': "['name','partner_id','scheduled_date_start','stage_id','person_id','location_id']",
            'order': 'scheduled_date_start'
        }
        response = requests.get(
            f"{self.base_url}/restapi/1.0/object/fsm.order",
            headers=self.headers,
            params=params
        )
        response.raise_for_status()
        return response.json().get('fsm.order', [])

    def get_technician_jobs(self, person_id: int, include_completed: bool = False) -> list:
        """Get jobs assigned to a technician."""
        domain = [('person_id', '=', person_id)]
        if not include_completed:
            domain.append(('stage_id', 'not in', [4, 5]))

        params = {
            'domain': str(domain),
            'fields': "['name','partner_id','scheduled_date_start','stage_id','location_id']",
            'order': 'scheduled_date_start'
        }
        response = requests.get(
            f"{self.base_url}/restapi/1.0/object/fsm.order",
            headers=self.headers,
            params=params
        )
        response.raise_for_status()
        return response.json().get('fsm.order', [])

    def update_stage(self, job_id: int, stage_id: int, **kwargs) -> dict:
        """Update job stage with optional timestamp."""
        data = {'stage_id': stage_id, **kwargs}
        response = requests.put(
            f"{self.base_url}/restapi/1.0/object/fsm.order/{job_id}",
            headers=self.headers,
            json=data
        )
        response.raise_for_status()
        return response.json().get('fsm.order', {})

    def start_job(self, job_id: int) -> dict:
        """Start a job (set to In Progress)."""
        return self.update_stage(
            job_id,
            stage_id=3,
            date_start=datetime.now().strftime('%Y-%m-%d %H:%M:%S')
        )

    def complete_job(self, job_id: int) -> dict:
        """Complete a job."""
        return self.update_stage(
            job_id,
            stage_id=4,
            date_end=datetime.now().strftime('%Y-%m-%d %H:%M:%S')
        )

    def reschedule_job(self, job_id: int, new_start: str, new_end: str = None) -> dict:
        """Reschedule a job to a new date/time."""
        data = {'scheduled_date_start': new_start}
        if new_end:
            data['scheduled_date_end'] = new_end

        response = requests.put(
            f"{self.base_url}/restapi/1.0/object/fsm.order/{job_id}",
            headers=self.headers,
            json=data
        )
        response.raise_for_status()
        return response.json().get('fsm.order', {})

    def get_stages(self) -> list:
        """Get all FSM stages."""
        params = {
            'fields': "['name','sequence','is_closed']",
            'order': 'sequence'
        }
        response = requests.get(
            f"{self.base_url}/restapi/1.0/object/fsm.stage",
            headers=self.headers,
            params=params
        )
        response.raise_for_status()
        return response.json().get('fsm.stage', [])
# fmt: on


# -- the key, made as the backend does it -----------------------------------------------------------------
def make_key(web, name, **options):
    """A key made with the New API Key wizard (Preferences > Account Security > New API Key)."""
    wizard = web.call("res.users.apikeys.description", "create", [{"name": name, **options}])
    action = web.call("res.users.apikeys.description", "make_key", [[wizard]])
    assert action["res_model"] == "res.users.apikeys.show", action
    return action["context"]["default_key"]


def remove_keys(web, rpc, name):
    """Remove the user's keys named ``name`` as the Delete button does (res.users.apikeys.remove)."""
    keys = rpc("res.users.apikeys", "search_read", [("name", "=", name)], fields=["id"])
    for key in keys:
        web.check_identity(web.call("res.users.apikeys", "remove", [[key["id"]]]))
    assert not rpc("res.users.apikeys", "search", [("name", "=", name)])


@pytest.fixture(scope="module")
def jdx_key(server_url, rpc, web_session):
    web = web_session()
    # the user's own preferences button checks the password first, as in the backend
    web.check_identity(web.call("res.users", "api_key_wizard", [[rpc.uid]]))
    name = f"jdx live {uuid.uuid4().hex[:8]}"
    key = make_key(web, name, fsj_restapi=True, fsj_stage_numbering="jdx")
    try:
        [apikey] = rpc("res.users.apikeys", "search_read", [("name", "=", name)], fields=["id", "scope"])
        assert apikey["scope"] == "fieldservice_jobs.restapi"
        [scope] = rpc(
            "fsm.api.key.scope", "search_read", [("apikey_id", "=", apikey["id"])], fields=["stage_numbering"]
        )
        assert scope["stage_numbering"] == "jdx"
        yield key
    finally:
        remove_keys(web, rpc, name)
    resp = requests.get(f"{server_url}/restapi/1.0/object/fsm.stage", headers={"X-API-Key": key}, timeout=60)
    assert resp.status_code == 401, "the removed key is refused"


@pytest.fixture(scope="module")
def orm_stage(rpc):
    """{code: Odoo's id} of the five job stages, read over XML-RPC."""
    rows = rpc("fsm.stage", "search_read", [("stage_type", "=", "order"), ("code", "in", CODES)], fields=["code"])
    return {row["code"]: row["id"] for row in rows}


def job_state(rpc, job_id):
    """(stage code, date_start, date_end) of a job, over XML-RPC."""
    [job] = rpc("fsm.order", "read", [job_id], fields=["stage_id", "date_start", "date_end"])
    [stage] = rpc("fsm.stage", "read", [job["stage_id"][0]], fields=["code"])
    return stage["code"], job["date_start"], job["date_end"]


# -- tests ----------------------------------------------------------------------------------------------
def test_seed_client_stages_are_seed_numbers(server_url, jdx_key, api, orm_stage):
    client = FSMJobClient(server_url, jdx_key)
    stages = client.get_stages()
    assert [s["id"] for s in stages] == [1, 2, 3, 4, 5]
    assert [s["name"] for s in stages] == NAMES
    assert [s["is_closed"] for s in stages] == [False, False, False, True, True]
    assert set(stages[0]) == {"id", "name", "sequence", "is_closed"}
    # the key without the numbering: Odoo's ids, and every stage
    resp = api.get("/object/fsm.stage", params={"fields": "['name','code']", "order": "sequence"})
    resp.raise_for_status()
    plain = resp.json()["fsm.stage"]
    assert {s["code"]: s["id"] for s in plain if s["code"] in CODES} == orm_stage
    assert len(plain) > 5


def test_seed_client_job_lifecycle(server_url, jdx_key, api, rpc, factories, orm_stage):
    client = FSMJobClient(server_url, jdx_key)
    customer = factories.customer()
    technician = factories.technician()
    day = (datetime.now() + timedelta(days=3650)).strftime("%Y-%m-%d")
    job = client.create_job(
        partner_id=customer["id"],
        scheduled_start=f"{day} 09:00:00",
        scheduled_end=f"{day} 12:00:00",
        person_id=technician["id"],
        description="JDX live: install motorized blinds",
    )
    job_id = job["id"]
    assert job["stage_id"] == [2, "Scheduled"], "a technician and a start schedule the job"
    assert job_state(rpc, job_id)[0] == "scheduled"
    assert job_id in [j["id"] for j in client.get_jobs_by_date(day)]
    [row] = [j for j in client.get_technician_jobs(technician["id"]) if j["id"] == job_id]
    assert row["stage_id"] == [2, "Scheduled"]

    started = client.start_job(job_id)
    assert started["stage_id"] == [3, "In Progress"]
    code, date_start, date_end = job_state(rpc, job_id)
    assert (code, bool(date_start), date_end) == ("in_progress", True, False)
    assert started["date_start"] == date_start
    [row] = [j for j in client.get_technician_jobs(technician["id"]) if j["id"] == job_id]
    assert row["stage_id"] == [3, "In Progress"]
    # the key without the numbering reads the same job with Odoo's ids
    [ref] = rpc("fsm.order", "read", [job_id], fields=["stage_id"])
    assert ref["stage_id"] == [orm_stage["in_progress"], "In Progress"]
    resp = api.get(f"/object/fsm.order/{job_id}", params={"fields": "['stage_id']"})
    assert resp.json()["fsm.order"]["stage_id"] == ref["stage_id"]

    completed = client.complete_job(job_id)
    assert completed["stage_id"] == [4, "Completed"]
    code, date_start, date_end = job_state(rpc, job_id)
    assert (code, bool(date_start), bool(date_end)) == ("completed", True, True)
    assert completed["date_end"] == date_end
    assert job_id not in [j["id"] for j in client.get_technician_jobs(technician["id"])]
    [row] = [j for j in client.get_technician_jobs(technician["id"], include_completed=True) if j["id"] == job_id]
    assert row["stage_id"] == [4, "Completed"]
    [row] = [j for j in client.get_jobs_by_date(day) if j["id"] == job_id]
    assert row["stage_id"] == [4, "Completed"]
    [ref] = rpc("fsm.order", "read", [job_id], fields=["stage_id"])
    assert ref["stage_id"] == [orm_stage["completed"], "Completed"]
    resp = api.get(f"/object/fsm.order/{job_id}", params={"fields": "['stage_id']"})
    assert resp.json()["fsm.order"]["stage_id"] == ref["stage_id"]


def test_seed_client_unknown_stage_number_is_refused(server_url, jdx_key, rpc, factories):
    client = FSMJobClient(server_url, jdx_key)
    job = client.create_job(partner_id=factories.customer()["id"], scheduled_start="2031-07-07 09:00:00")
    assert job["stage_id"] == [1, "New"]
    with pytest.raises(requests.HTTPError) as raised:
        client.update_stage(job["id"], stage_id=9)
    error = raised.value.response.json()["error"]
    assert (error["status"], error["code"], error["details"]["allowed"]) == (422, "invalid_value", [1, 2, 3, 4, 5])
    assert job_state(rpc, job["id"])[0] == "new"
    assert client.update_stage(job["id"], stage_id=5)["stage_id"] == [5, "Cancelled"]
    assert job_state(rpc, job["id"])[0] == "cancelled"


def test_seed_dashboard_counts_by_stage_number(server_url, jdx_key, rpc, factories, orm_stage):
    """Seed 000's dashboard example counts jobs with [('stage_id', '=', stage['id'])]: with the numbering
    each count is the count of Odoo's stage of that number."""
    client = FSMJobClient(server_url, jdx_key)
    client.create_job(partner_id=factories.customer()["id"], scheduled_start="2031-07-08 09:00:00")
    for stage, code in zip(client.get_stages(), CODES, strict=True):
        params = {"domain": str([("stage_id", "=", stage["id"])]), "fields": "['id']", "limit": 1}
        response = requests.get(
            f"{client.base_url}/restapi/1.0/object/fsm.order", headers=client.headers, params=params, timeout=60
        )
        response.raise_for_status()
        count = rpc("fsm.order", "search_count", [("stage_id", "=", orm_stage[code])])
        assert int(response.headers["X-Total-Count"]) == count, code
    # the dashboard route too
    resp = requests.get(f"{client.base_url}/restapi/1.0/fsm/dashboard", headers=client.headers, timeout=60)
    resp.raise_for_status()
    assert [(s["id"], s["code"]) for s in resp.json()["stages"]] == list(zip([1, 2, 3, 4, 5], CODES, strict=True))


def test_wizard_after_the_password_check(server_url, rpc, web_session):
    """The New API Key wizard when the password was not checked in the last 10 minutes: Odoo asks for
    it, then makes the key."""
    web = web_session()  # a new session: no password check yet
    name = f"jdx live wizard {uuid.uuid4().hex[:8]}"
    wizard = web.call(
        "res.users.apikeys.description",
        "create",
        [{"name": name, "fsj_restapi": True, "fsj_stage_numbering": "jdx"}],
    )
    try:
        action = web.check_identity(web.call("res.users.apikeys.description", "make_key", [[wizard]]))
        assert action["res_model"] == "res.users.apikeys.show"
        assert action["context"]["default_key"]
    finally:
        web.check_identity(web.call("res.users", "api_key_wizard", [[rpc.uid]]))
        remove_keys(web, rpc, name)
