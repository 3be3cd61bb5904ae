import os
import xmlrpc.client

import requests


def test_health():
    r = requests.get(os.environ["FSJ_URL"] + "/web/health", timeout=10)
    assert r.status_code == 200


def test_xmlrpc_login():
    url = os.environ["FSJ_URL"]
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(os.environ["FSJ_DB"], "admin", "admin", {})
    assert uid == 2
