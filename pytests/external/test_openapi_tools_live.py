"""The served OpenAPI document with the tools integrators use, and the docs page over it.

openapi-python-client (test-requirements.txt) generates a client from the live server's document, with
its default settings and with ``literal_enums: true``: no warning, nothing skipped, every module of the
generated package imports, and the client reads a job with its related customer nested. The docs page
(GET /restapi/1.0/docs, Swagger UI from the swagger-ui-bundle package) loads without a key, its files
come with their types and caching headers, nothing else is served, and the document still needs the key."""

import http.client
import importlib.util
import json
import subprocess
import sys
import textwrap
import urllib.parse

import pytest
import requests

PACKAGE = "field_service_jobs_rest_api_client"  # the document's title, as openapi-python-client names it
# the generator's words for what it could not generate (printed on stdout/stderr; exit code 0 anyway)
TROUBLE = ("warning", "unable to", "will not be generated", "skipped", "failure to process", "error")


@pytest.fixture(scope="module")
def document(server_url, api_key, tmp_path_factory):
    resp = requests.get(f"{server_url}/restapi/1.0/openapi.json", headers={"X-API-Key": api_key}, timeout=120)
    assert resp.status_code == 200, resp.text[:500]
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(resp.text)
    return path


def _generate(document, out, config=None):
    """Generate the package ``out`` (``--meta none``: the folder is the package itself)."""
    if importlib.util.find_spec("openapi_python_client") is None:
        pytest.fail(
            f"openapi-python-client is not installed for {sys.executable}: pip install -r test-requirements.txt"
        )
    cmd = [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(document)]
    cmd += ["--output-path", str(out), "--meta", "none", "--fail-on-warning"]
    if config:
        cmd += ["--config", str(config)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    output = proc.stdout + proc.stderr
    lines = [line for line in output.splitlines() if any(word in line.lower() for word in TROUBLE)]
    assert proc.returncode == 0, output[-4000:]
    assert lines == [], output[-4000:]
    return out


# run in the generated package's folder, in its own interpreter: imports every module, then reads a job
CLIENT_SCRIPT = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys, uuid

    package, base_url, key, job_id = sys.argv[1:5]
    root = importlib.import_module(package)
    modules = [m.name for m in pkgutil.walk_packages(root.__path__, package + ".")]
    for name in modules:
        importlib.import_module(name)
    client_mod = importlib.import_module(package + ".client")
    client = client_mod.AuthenticatedClient(
        base_url=base_url, token=key, prefix="", auth_header_name="X-API-Key", raise_on_unexpected_status=True
    )
    read = importlib.import_module(package + ".api.fsm_order.read_fsm_order")
    resp = read.sync_detailed(client=client, id=int(job_id), fields="name,partner_id.name,partner_id.email,stage_id")
    job = resp.parsed.fsm_order
    search = importlib.import_module(package + ".api.fsm_order.search_fsm_order")
    found = search.sync(client=client, domain=f"[('id','=',{job_id})]", fields="name", limit=5)
    # a write: a job upserted by its reference, its customer given inline (seed 004), then deleted
    models = importlib.import_module(package + ".models")
    upsert = importlib.import_module(package + ".api.fsm_order.upsert_fsm_order")
    bulk_delete = importlib.import_module(package + ".api.fsm_order.bulk_delete_fsm_order")
    ref = "GEN-" + uuid.uuid4().hex[:12]
    customer = models.FsmOrderCustomer(ref=ref, first_name="Erica", last_name="Swansson", email=ref + "@example.com")
    body = models.FsmOrderWrite(customer=customer, description="from a generated client")
    asked = "external_ref,partner_id.external_ref"
    created = upsert.sync_detailed(client=client, external_ref=ref, body=body, fields=asked)
    new = created.parsed.fsm_order
    deleted = bulk_delete.sync_detailed(client=client, ids=json.dumps([new.id]))
    print(json.dumps({
        "upsert": [int(created.status_code), new.external_ref == ref, new.partner_id.additional_properties],
        "deleted": int(deleted.status_code),
        "modules": len(modules),
        "status": int(resp.status_code),
        "name": job.name,
        "partner_type": type(job.partner_id).__name__,
        "partner": job.partner_id.to_dict(),
        "stage": job.stage_id,
        "found": [row.id for row in found.fsm_order],
    }))
    """
)


def _use_client(folder, package, server_url, api_key, job_id):
    proc = subprocess.run(
        [sys.executable, "-c", CLIENT_SCRIPT, package, f"{server_url}/restapi/1.0", api_key, str(job_id)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def job(factories):
    customer = factories.customer(email="erica@example.com")
    return factories.job(partner_id=customer), customer


def test_generator_default_settings(document, tmp_path, server_url, api_key, job, rpc):
    out = _generate(document, tmp_path / PACKAGE)
    job, customer = job
    result = _use_client(tmp_path, PACKAGE, server_url, api_key, job["id"])
    assert result["modules"] > 100  # every model's routes and schemas
    assert result["status"] == 200
    assert result["name"] == rpc("fsm.order", "read", [job["id"]], fields=["name"])[0]["name"]
    # asked with sub-fields, the customer is answered nested: the Related schema
    assert result["partner_type"] == "Related"
    assert result["partner"] == {"id": customer["id"], "name": customer["name"], "email": "erica@example.com"}
    assert isinstance(result["stage"], list) and len(result["stage"]) == 2  # named alone: [id, name]
    assert result["found"] == [job["id"]]
    status, same_ref, partner = result["upsert"]
    assert (status, same_ref, result["deleted"]) == (201, True, 200)
    assert partner["external_ref"].startswith("GEN-")
    # the time zones: GMT0, GMT+0 and GMT-0 are three members (the generator used to crash on them)
    enum = (out / "models" / "selection_tz.py").read_text()
    for member in ('GMT0 = "GMT0"', 'GMT_PLUS_0 = "GMT+0"', 'GMT_MINUS_0 = "GMT-0"'):
        assert member in enum


def test_generator_literal_enums(document, tmp_path, server_url, api_key, job):
    config = tmp_path / "config.yaml"
    config.write_text("literal_enums: true\n")
    out = _generate(document, tmp_path / PACKAGE, config)
    models = out / "models"
    # the seven (and more) *_write schemas used to be dropped: arrays without items
    writes = sorted(p.stem for p in models.glob("*_write.py"))
    assert {"fsm_order_write", "fsm_location_write", "res_partner_write", "fsm_stage_write"} <= set(writes), writes
    assert "Literal[" in (models / "selection_tz.py").read_text()
    job, _customer = job
    result = _use_client(tmp_path, PACKAGE, server_url, api_key, job["id"])
    assert result["status"] == 200 and result["partner_type"] == "Related"
    assert result["upsert"][0] == 201 and result["deleted"] == 200


# -- the docs page ------------------------------------------------------------------------------
def test_docs_page_loads_without_a_key(server_url):
    resp = requests.get(f"{server_url}/restapi/1.0/docs", timeout=30)
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "docs.js"):
        assert f"docs/{asset}?v=" in page
    assert "X-API-Key" in page
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page  # no inline script: the CSP would refuse it
    # the page's code asks for the document with the key, and authorizes Swagger UI with it
    script = requests.get(f"{server_url}/restapi/1.0/docs/docs.js", timeout=30).text
    assert 'url: "openapi.json"' in script and 'preauthorizeApiKey("ApiKey"' in script


@pytest.mark.parametrize(
    "asset, mimetype",
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui-standalone-preset.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("favicon-32x32.png", "image/png"),
        ("docs.js", "text/javascript"),
        ("docs.css", "text/css"),
    ],
)
def test_docs_assets(server_url, asset, mimetype):
    url = f"{server_url}/restapi/1.0/docs/{asset}"
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["Content-Type"].split(";")[0] == mimetype
    assert "max-age=" in resp.headers["Cache-Control"] and "public" in resp.headers["Cache-Control"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert len(resp.content) > 100
    if asset.startswith("swagger-ui"):  # the package's own files, revalidated by their ETag
        again = requests.get(url, headers={"If-None-Match": resp.headers["ETag"]}, timeout=30)
        assert again.status_code == 304


def test_openapi_document_still_needs_the_key(server_url):
    resp = requests.get(f"{server_url}/restapi/1.0/openapi.json", timeout=30)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "missing_api_key"


@pytest.mark.parametrize(
    "path",
    [
        "/restapi/1.0/docs/index.html",  # in the package, but not a file the page uses
        "/restapi/1.0/docs/swagger-ui.js.map",
        "/restapi/1.0/docs/..%2F__init__.py",
        "/restapi/1.0/docs/..%2F..%2F..%2F__manifest__.py",
        "/restapi/1.0/docs/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/restapi/1.0/docs/....%2F....%2Fetc%2Fpasswd",
        "/restapi/1.0/docs/%252e%252e%252fswagger-ui.css",
        "/restapi/1.0/docs/swagger-ui.css%00.png",
        "/restapi/1.0/docs/swagger-ui.css/x",
        "/restapi/1.0/docs/..",
    ],
)
def test_docs_serve_nothing_else(server_url, path):
    """Path traversal and files outside the list: 404 (a raw request, so that nothing normalises the path)."""
    url = urllib.parse.urlsplit(server_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    assert resp.status in (400, 404), (resp.status, body[:200])
    # an error, not a file (Swagger UI's are hundreds of kB; __manifest__.py names the addon)
    assert len(body) < 2000 and b"root:" not in body and b"Field Service Jobs" not in body
