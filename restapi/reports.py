# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's PDF report: GET /object/<model>/<id>/report (the model's report) and
GET /report/<report_name>/<id> (any PDF report, by its ``ir.actions.report`` report_name, e.g.
``fieldservice.report_fsm_order``).

A report is one of the API when it is a ``qweb-pdf`` ``ir.actions.report`` of a model exposed to the
key, and the key's user is in its groups (when it has some); "the model's report" is the first such
report of the model (by id: for fsm.order, OCA's Service Order). The PDF is rendered as the key's user
(record rules and field groups apply), by wkhtmltopdf; without it the answer is 503 ``pdf_unavailable``.
"""

from odoo.exceptions import UserError
from odoo.http import Response, content_disposition

from .parsing import ApiError

PDF_TYPE = "qweb-pdf"
UNAVAILABLE_STATES = ("install", "broken")  # see ir.actions.report.get_wkhtmltopdf_state()
MAX_REPORT_NAME = 256


def usable(env, reports):
    """The reports of ``reports`` (sudo) the user may print: no groups, or one of the user's."""
    user_groups = env.user.groups_id
    return reports.filtered(lambda r: not r.groups_id or r.groups_id & user_groups)


def _unknown(report_name):
    return ApiError(404, "unknown_report", f"No report '{report_name}' in this API.", {"report": report_name})


def _named_report(env, report_name):
    """The PDF report named ``report_name`` the user may print, whatever its model; else 404."""
    if not isinstance(report_name, str) or not report_name or len(report_name) > MAX_REPORT_NAME:
        raise _unknown(str(report_name)[:MAX_REPORT_NAME])
    found = (
        env["ir.actions.report"]
        .sudo()
        .search([("report_name", "=", report_name), ("report_type", "=", PDF_TYPE)], order="id")
    )
    report = usable(env, found)[:1]
    if not report or report.model not in env:
        raise _unknown(report_name)
    return report


def report_model(env, report_name):
    """The model of the PDF report ``report_name``: 404 ``unknown_report`` when there is none the user
    may print, or when its model is not exposed to the key (the API does not tell which reports
    exist beyond the key's models)."""
    report = _named_report(env, report_name)
    exposed = env["fsm.api.key.scope"]._fsj_api_access()[0]
    if report.model not in exposed:
        raise _unknown(report_name)
    return report.model


def model_report(env, model_name):
    """The model's report: its first PDF report (by id) the user may print; else 404."""
    found = (
        env["ir.actions.report"].sudo().search([("model", "=", model_name), ("report_type", "=", PDF_TYPE)], order="id")
    )
    report = usable(env, found)[:1]
    if not report:
        raise ApiError(404, "no_report", f"{model_name} has no PDF report.", {"model": model_name})
    return report


def _unavailable(detail):
    return ApiError(
        503,
        "pdf_unavailable",
        f"PDF reports cannot be rendered on this server: {detail} Ask its administrator to install "
        "wkhtmltopdf (0.12.6 with patched Qt).",
    )


def _render_pdf(env, report, record, read_only):
    Report = env["ir.actions.report"]
    if Report.get_wkhtmltopdf_state() in UNAVAILABLE_STATES:
        raise _unavailable("wkhtmltopdf is missing or broken.")
    # a PDF, never Odoo's HTML fallback (taken under --test-enable); a read-only key writes nothing
    # (no copy of the PDF saved as an attachment, for reports that keep one)
    Report = Report.with_context(force_report_rendering=True, report_pdf_no_attachment=read_only)
    try:
        content, kind = Report._render_qweb_pdf(report.id, [record.id])
    except UserError as exc:
        if "wkhtmltopdf" not in str(exc).lower():
            raise  # the report's own refusal: the API's usual answer (409)
        raise _unavailable("wkhtmltopdf failed.") from None
    except OSError as exc:  # the binary vanished, or cannot run
        raise _unavailable(f"wkhtmltopdf cannot run ({exc.strerror or exc}).") from None
    if kind != "pdf" or not isinstance(content, bytes) or not content.startswith(b"%PDF"):
        raise _unavailable("no PDF came out of wkhtmltopdf.")
    return content


def _filename(record):
    name = (record.display_name or f"{record._name}-{record.id}").replace("/", "_").replace("\\", "_")
    return f"{name}.pdf"


def render(api, record, report_name=None):
    """The PDF of ``record``: the report ``report_name`` (checked to be of the record's model), else
    the model's report; a streamed answer (application/pdf, inline, with its length)."""
    env = api.env
    if report_name is None:
        report = model_report(env, api.name)
    else:
        report = _named_report(env, report_name)
        if report.model != api.name:
            raise _unknown(report_name)
    read_only = env["fsm.api.key.scope"]._fsj_api_access()[1]
    content = _render_pdf(env, report, record, read_only)
    return Response(
        content,
        status=200,
        headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Length", str(len(content))),
            ("Content-Disposition", content_disposition(_filename(record), "inline")),
            ("Cache-Control", "private, no-store"),
        ],
    )
