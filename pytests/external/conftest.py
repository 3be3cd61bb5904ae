"""Fixtures of the external suite: it talks to a live Odoo started by ./run-tests.

Environment (set by ./run-tests): FSJ_URL, FSJ_DB, FSJ_LOGIN, FSJ_PASSWORD, FSJ_API_KEY.
"""

import os
import xmlrpc.client

import factory
import pytest
import requests


class Rpc:
    """XML-RPC as the admin user: the reference the REST answers are checked against."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.login, self.password = url, db, login, password
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common", allow_none=True).authenticate(
            db, login, password, {}
        )
        assert self.uid, "XML-RPC login failed"
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)


class Api:
    """The REST API with an API key, as an integrator uses it."""

    def __init__(self, url, key):
        self.base = f"{url}/restapi/1.0"
        self.session = requests.Session()
        self.session.headers.update({"X-API-Key": key, "Content-Type": "application/json"})

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 60)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class WebSession:
    """A backend session of the configured user: JSON-RPC calls as the web client makes them (e.g. the
    New API Key wizard, which asks for the password: ``check_identity``)."""

    def __init__(self, url, db, login, password):
        self.url, self.password = url, password
        self.session = requests.Session()
        resp = self.session.post(
            f"{url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "method": "call", "params": {"db": db, "login": login, "password": password}},
            timeout=60,
        )
        resp.raise_for_status()
        assert resp.json().get("result", {}).get("uid"), resp.text

    def call(self, model, method, args, kwargs=None):
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}
        resp = self.session.post(
            f"{self.url}/web/dataset/call_kw/{model}/{method}",
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=60,
        )
        resp.raise_for_status()
        body = resp.json()
        if "error" in body:
            raise RuntimeError(f"{model}.{method}: {body['error']['data'].get('message')}")
        return body["result"]

    def check_identity(self, action):
        """Answer Odoo's password check (res.users.identitycheck) when ``action`` is one; the method that
        asked for it runs then, and its own answer is returned."""
        if action.get("res_model") != "res.users.identitycheck":
            return action
        self.call("res.users.identitycheck", "write", [[action["res_id"]], {"password": self.password}])
        return self.call("res.users.identitycheck", "run_check", [[action["res_id"]]])


@pytest.fixture(scope="session")
def web_session(server_url, rpc):
    """``web_session()``: a new backend session of the configured user (``url``: another server's)."""

    def make(url=None):
        return WebSession(url or server_url, rpc.db, rpc.login, rpc.password)

    return make


def pytest_collection_modifyitems(config, items):
    """FSJ_TEST_ORDER=reverse runs the suite backwards: no test may depend on another one's leftovers."""
    if os.environ.get("FSJ_TEST_ORDER") == "reverse":
        items.reverse()


@pytest.fixture(scope="session")
def server_url():
    url = os.environ.get("FSJ_URL")
    if not url:
        pytest.fail("FSJ_URL is not set: run this suite through ./run-tests")
    return url


@pytest.fixture(scope="session")
def rpc(server_url):
    return Rpc(
        server_url, os.environ["FSJ_DB"], os.environ.get("FSJ_LOGIN", "admin"), os.environ.get("FSJ_PASSWORD", "admin")
    )


@pytest.fixture(scope="session")
def api_key():
    key = os.environ.get("FSJ_API_KEY")
    if not key:
        pytest.fail("FSJ_API_KEY is not set: ./run-tests makes one")
    return key


@pytest.fixture(scope="session")
def api(server_url, api_key):
    return Api(server_url, api_key)


@pytest.fixture(scope="session")
def make_api(api_key):
    """A new API client (its own HTTP session), for concurrent clients or another server."""

    def make(url, key=None):
        return Api(url, key or api_key)

    return make


@pytest.fixture(scope="session")
def stages(api):
    """Stage ids by code, read through the API (ids differ per database)."""
    resp = api.get("/object/fsm.stage", params={"fields": "['name','code','sequence']", "order": "sequence"})
    resp.raise_for_status()
    return {s["code"]: s["id"] for s in resp.json()["fsm.stage"] if s["code"]}


# -- factories (factory-boy over XML-RPC) ------------------------------------------------------------
def sub(factory_class, **kwargs):
    """A SubFactory on its parent's connection."""
    return factory.SubFactory(factory_class, rpc=factory.SelfAttribute("..rpc"), **kwargs)


class RpcFactory(factory.Factory):
    """Records made over XML-RPC; Meta.model is the Odoo model name and ``rpc`` the connection (given
    by the ``factories`` fixture, passed down to sub-factories). ``create()`` returns the record as the
    server stored it (read back: many2one as [id, name], html as sanitized); ``build()`` returns the
    values, sub-records built the same way, and calls nothing."""

    class Meta:
        abstract = True

    rpc = None

    @classmethod
    def _build(cls, model_class, *args, rpc=None, **kwargs):
        return kwargs

    @classmethod
    def _create(cls, model_class, *args, rpc=None, **kwargs):
        if rpc is None:
            raise TypeError(f"{cls.__name__} needs rpc=: use the factories fixture")
        values = {name: value["id"] if isinstance(value, dict) else value for name, value in kwargs.items()}
        rec_id = rpc(model_class, "create", values)
        [stored] = rpc(model_class, "read", [rec_id], fields=sorted(values))
        return stored


class CustomerFactory(RpcFactory):
    class Meta:
        model = "res.partner"

    name = factory.Sequence(lambda n: f"Ext Customer {n}")
    street = factory.Sequence(lambda n: f"{n} External Street")
    city = "Integration City"
    zip = "10001"


class LocationFactory(RpcFactory):
    class Meta:
        model = "fsm.location"

    name = factory.Sequence(lambda n: f"Ext Site {n}")
    owner_id = sub(CustomerFactory)


class TechnicianFactory(RpcFactory):
    class Meta:
        model = "fsm.person"

    name = factory.Sequence(lambda n: f"Ext Technician {n}")


class SaleOrderFactory(RpcFactory):
    class Meta:
        model = "sale.order"

    partner_id = sub(CustomerFactory)


class JobFactory(RpcFactory):
    class Meta:
        model = "fsm.order"

    partner_id = sub(CustomerFactory)
    description = factory.Sequence(lambda n: f"External job {n}")


class Bound:
    """A factory on the session's connection: ``factories.job(...)``, ``factories.job.build(...)``."""

    def __init__(self, factory_class, rpc):
        self.factory_class, self.rpc = factory_class, rpc

    def __call__(self, **kwargs):
        return self.factory_class.create(rpc=self.rpc, **kwargs)

    def build(self, **kwargs):
        return self.factory_class.build(rpc=self.rpc, **kwargs)

    def create_batch(self, size, **kwargs):
        return self.factory_class.create_batch(size, rpc=self.rpc, **kwargs)


class Factories:
    def __init__(self, rpc):
        self.customer = Bound(CustomerFactory, rpc)
        self.location = Bound(LocationFactory, rpc)
        self.technician = Bound(TechnicianFactory, rpc)
        self.sale_order = Bound(SaleOrderFactory, rpc)
        self.job = Bound(JobFactory, rpc)


@pytest.fixture(scope="session")
def factories(rpc):
    return Factories(rpc)
