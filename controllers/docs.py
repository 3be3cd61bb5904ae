# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""HTTP only: the interactive documentation of the REST API, GET /restapi/1.0/docs: Swagger UI over the
served OpenAPI document (/restapi/1.0/openapi.json). See README.rst, "Interactive docs".

The page loads without an API key (a browser cannot send one with a link); it asks for the key, fetches
the document with it and authorizes Swagger UI's requests with it (the ApiKey scheme), keeping it in the
tab's sessionStorage only. The document itself still needs the key. Swagger UI's files come from the
installed PyPI package ``swagger-ui-bundle`` (the manifest's external dependency), served from where it
is installed: only the files named in ASSETS, by name, so no path reaches anything else. The page runs
under a Content-Security-Policy that allows scripts, styles and requests of this origin only."""

import importlib
import importlib.metadata
import logging
from pathlib import Path

from werkzeug.utils import send_file

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

BASE = "/restapi/1.0"
DOCS = f"{BASE}/docs"
PACKAGE = "swagger-ui-bundle"
# the files of swagger-ui-bundle the page uses, with their types (werkzeug adds a text type's charset):
# nothing else is served
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
ASSET_MAX_AGE = 7 * 24 * 3600  # the page names the assets with the package's version: a new one, new URLs
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
# scripts, styles and requests of this origin only (no inline script: the page's own code is docs.js);
# Swagger UI's stylesheet draws its icons as data: images
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="referrer" content="no-referrer"/>
<title>Field Service Jobs REST API</title>
<link rel="icon" type="image/png" href="docs/favicon-32x32.png?v={version}" sizes="32x32"/>
<link rel="stylesheet" href="docs/swagger-ui.css?v={version}"/>
<link rel="stylesheet" href="docs/docs.css?v={version}"/>
</head>
<body>
<form id="fsj-key-form" class="fsj-bar" autocomplete="off">
  <strong>Field Service Jobs REST API</strong>
  <label for="fsj-key">X-API-Key</label>
  <input id="fsj-key" name="key" type="password" autocomplete="off" placeholder="your Odoo API key" spellcheck="false"/>
  <button type="submit">Load the API</button>
  <button type="button" id="fsj-forget">Forget the key</button>
  <span id="fsj-status" role="status">An Odoo API key (Preferences &gt; Account Security) loads the
    document; it stays in this tab only.</span>
</form>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js?v={version}"></script>
<script src="docs/docs.js?v={version}"></script>
</body>
</html>
"""
# the page's code: asks for the key, loads the document with it, authorizes Swagger UI's requests
SCRIPT = """(function () {
  "use strict";
  var STORE = "fsj_api_key";
  var form = document.getElementById("fsj-key-form");
  var input = document.getElementById("fsj-key");
  var status = document.getElementById("fsj-status");

  function load(key) {
    status.textContent = "Loading the document...";
    var ui = SwaggerUIBundle({
      url: "openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      docExpansion: "none",
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      filter: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      // the document needs the key; the requests of "Try it out" carry it through Authorize
      requestInterceptor: function (req) {
        if (req.loadSpec) {
          req.headers["X-API-Key"] = key;
        }
        return req;
      },
      responseInterceptor: function (res) {
        if (res.url && /openapi\\.json(\\?|$)/.test(res.url)) {
          status.textContent = res.ok
            ? "Authorized with the key above (Authorize to change it)."
            : "The document could not be loaded with this key (HTTP " + res.status + ").";
        }
        return res;
      },
      onComplete: function () {
        ui.preauthorizeApiKey("ApiKey", key);
      },
    });
    window.ui = ui;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var key = input.value.trim();
    if (!key) {
      status.textContent = "Enter an API key first.";
      return;
    }
    sessionStorage.setItem(STORE, key);
    input.value = "";
    load(key);
  });
  document.getElementById("fsj-forget").addEventListener("click", function () {
    sessionStorage.removeItem(STORE);
    window.location.reload();
  });
  var saved = sessionStorage.getItem(STORE);
  if (saved) {
    load(saved);
  }
})();
"""
STYLE = """.fsj-bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 10px 20px;
  background: #1b1b1b; color: #fff; font-family: sans-serif; font-size: 14px; }
.fsj-bar input { min-width: 22em; padding: 4px 8px; }
.fsj-bar button { padding: 4px 12px; cursor: pointer; }
.fsj-bar #fsj-status { color: #ccc; }
"""
OWN_FILES = {"docs.js": ("text/javascript; charset=utf-8", SCRIPT), "docs.css": ("text/css; charset=utf-8", STYLE)}


def swagger_ui():
    """(folder of Swagger UI's files, package version), or None when swagger-ui-bundle is missing."""
    try:
        module = importlib.import_module("swagger_ui_bundle")
        version = importlib.metadata.version(PACKAGE)
    except (ImportError, importlib.metadata.PackageNotFoundError):
        return None
    return Path(str(module.swagger_ui_path)), version


class RestApiDocsController(http.Controller):
    @http.route(DOCS, type="http", auth="none", methods=["GET", "HEAD"], csrf=False, readonly=True, save_session=False)
    def docs(self, **params):
        found = swagger_ui()
        if found is None:
            return self._missing()
        if request.httprequest.path.endswith("/"):  # the page's relative URLs need /docs, not /docs/
            return request.redirect(DOCS, code=301, local=True)
        return self._answer(PAGE.replace("{version}", found[1]), "text/html; charset=utf-8", page=True)

    @http.route(
        f"{DOCS}/<string:asset>",
        type="http",
        auth="none",
        methods=["GET", "HEAD"],
        csrf=False,
        readonly=True,  # files of the package: nothing is read or written in the database
        save_session=False,
    )
    def asset(self, asset, **params):
        if asset in OWN_FILES:
            mimetype, text = OWN_FILES[asset]
            return self._answer(text, mimetype, max_age=ASSET_MAX_AGE)
        if asset not in ASSETS:
            return self._not_found()
        found = swagger_ui()
        if found is None:
            return self._missing()
        path = found[0] / asset
        if not path.is_file():
            return self._not_found()
        response = send_file(
            str(path),
            request.httprequest.environ,
            mimetype=ASSETS[asset],
            max_age=ASSET_MAX_AGE,
            conditional=True,
            etag=f"{found[1]}-{asset}",
        )
        response.headers.extend(SECURITY_HEADERS)
        return response

    # ---------------------------------------------------------------- answers
    def _answer(self, body, mimetype, status=200, page=False, max_age=None):
        headers = [("Content-Type", mimetype), *SECURITY_HEADERS]
        if page:
            headers += [("Content-Security-Policy", CSP), ("Cache-Control", "no-cache")]
        elif max_age:
            headers.append(("Cache-Control", f"public, max-age={max_age}"))
        return request.make_response(body, headers=headers, status=status)

    def _missing(self):
        """503 when the package is not installed: the page cannot be served, the API still works."""
        _logger.warning("REST API docs: the Python package %s is not installed (pip install %s)", PACKAGE, PACKAGE)
        message = f"The API documentation page needs the Python package {PACKAGE}: pip install {PACKAGE}."
        if "application/json" in (request.httprequest.headers.get("Accept") or ""):
            body = {"error": {"status": 503, "code": "docs_unavailable", "message": message, "details": {}}}
            return request.make_json_response(body, status=503, headers=[*SECURITY_HEADERS, ("Retry-After", "3600")])
        html = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>API documentation unavailable</title>'
            f"</head><body><h1>API documentation unavailable</h1><p>{message}</p>"
            f'<p>The OpenAPI document is still served at <a href="openapi.json">{BASE}/openapi.json</a> (with '
            "an X-API-Key header).</p></body></html>"
        )
        return self._answer(html, "text/html; charset=utf-8", status=503, page=True)

    def _not_found(self):
        body = {
            "error": {"status": 404, "code": "not_found", "message": "No such file of the API docs.", "details": {}}
        }
        return request.make_json_response(body, status=404, headers=SECURITY_HEADERS)
