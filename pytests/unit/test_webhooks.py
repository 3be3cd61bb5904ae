"""Unit tests of restapi/webhooks.py without Odoo: the signatures verify with the ``standardwebhooks``
library (what receivers use), secret rotation gives two, the event body's shape, old values under the
API's names, and one HTTP attempt's outcome against a local server."""

import base64
import http.server
import importlib
import json
import os
import pathlib
import sys
import threading
import time
import types

import pytest

standardwebhooks = pytest.importorskip("standardwebhooks")
from standardwebhooks.webhooks import Webhook, WebhookVerificationError  # noqa: E402

_RESTAPI = pathlib.Path(__file__).resolve().parents[2] / "restapi"
_PACKAGE = types.ModuleType("fsj_restapi")
_PACKAGE.__path__ = [str(_RESTAPI)]
sys.modules.setdefault("fsj_restapi", _PACKAGE)
webhooks = importlib.import_module("fsj_restapi.webhooks")

SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
OLD_SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()


def test_module_imports_nothing_from_odoo():
    source = (_RESTAPI / "webhooks.py").read_text()
    assert "import odoo" not in source and "from odoo" not in source


def _headers(secrets, body, msg_id="msg_1", stamp=None):
    return webhooks.headers(secrets, msg_id, stamp or int(time.time()), body)


def test_signature_verifies_with_the_standard_library():
    body = webhooks.event_body("job.created", "2026-12-01T10:00:00Z", "fsm.order", 7, {"id": 7}, {}).encode()
    headers = _headers([SECRET], body)
    assert Webhook(SECRET).verify(body, headers) == json.loads(body)
    assert headers["webhook-id"] == "msg_1" and headers["webhook-signature"].startswith("v1,")
    assert headers["Content-Type"] == "application/json"


def test_signature_fails_on_another_secret_body_or_stale_timestamp():
    body = b'{"type":"job.updated"}'
    headers = _headers([SECRET], body)
    with pytest.raises(WebhookVerificationError):
        Webhook(OLD_SECRET).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)
    stale = _headers([SECRET], body, stamp=int(time.time()) - 3600)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, stale)


def test_rotation_signs_with_both_secrets():
    body = b'{"type":"job.updated"}'
    headers = _headers([SECRET, OLD_SECRET], body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (SECRET, OLD_SECRET):
        Webhook(secret).verify(body, headers)


def test_known_vector():
    """The signature is HMAC-SHA256 over 'id.timestamp.body' with the secret's decoded bytes."""
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123").decode()
    got = webhooks.sign(secret, "msg_x", 1700000000, b"{}")
    import hashlib
    import hmac

    expected = base64.b64encode(hmac.new(b"0123456789abcdef0123", b"msg_x.1700000000.{}", hashlib.sha256).digest())
    assert got == "v1," + expected.decode()


def test_event_body_shape():
    body = json.loads(
        webhooks.event_body("job.deleted", "2026-12-01T10:00:00Z", "fsm.order", 3, None, {"name": "FO003"})
    )
    assert body == {
        "type": "job.deleted",
        "timestamp": "2026-12-01T10:00:00Z",
        "data": {"id": 3, "model": "fsm.order", "record": None, "previous": {"name": "FO003"}},
    }


def test_previous_values_use_api_names_and_formats():
    api_fields = {
        "stage_id": ("stage_id", {"type": "many2one"}),
        "duration": ("scheduled_duration", {"type": "float"}),  # an alias
        "tag_ids": ("tag_ids", {"type": "many2many"}),
        "date_start": ("date_start", {"type": "datetime"}),
        "is_done": ("is_done", {"type": "boolean"}),
    }
    previous = {
        "stage_id": [1, "New"],
        "scheduled_duration": 2.5,
        "tag_ids": [],
        "date_start": False,
        "is_done": False,
        "secret_field": "x",  # not in the reader's API: left out
    }
    assert webhooks.previous_values(previous, api_fields) == {
        "stage_id": [1, "New"],
        "duration": 2.5,
        "tag_ids": [],
        "date_start": None,
        "is_done": False,
    }
    assert webhooks.previous_values(None, api_fields) == {}


class _Receiver(http.server.BaseHTTPRequestHandler):
    status = 200
    delay = 0

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(type(self).delay)
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"answer")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()
    _Receiver.status, _Receiver.delay = 200, 0


def test_post_outcomes(receiver):
    _server, url = receiver
    status, error, seconds, text = webhooks.post(url, {"Content-Type": "application/json"}, b"{}", 5)
    assert (status, error, text) == (200, None, "answer") and seconds >= 0
    _Receiver.status = 503
    assert webhooks.post(url, {}, b"{}", 5)[:2] == (503, "HTTP 503")
    _Receiver.status = 302  # a redirect is not followed
    assert webhooks.post(url, {}, b"{}", 5)[0] == 302
    _Receiver.status, _Receiver.delay = 200, 1.5
    status, error, _s, _t = webhooks.post(url, {}, b"{}", 0.5)
    assert status is None and "0.5" in error


def test_post_connection_refused():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    status, error, _s, text = webhooks.post(f"http://127.0.0.1:{port}/", {}, b"{}", 2)
    assert status is None and error and text is None
