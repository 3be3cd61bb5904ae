# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's files: ``ir.attachment`` rows on the record (res_model, res_id), their content in Odoo's
filestore, never base64 inside JSON. List, upload (multipart/form-data or the file as the raw body),
download (Odoo's own streaming: ETag, Range, If-None-Match) and delete.

Everything runs as the API key's user, as the rest of the API: Odoo's attachment rules follow the
record (reading a record's files needs read access on it, adding or deleting one needs write access),
and write access is checked first, explicitly, so that a user who may only read the record gets 403.

Choices:

- The type of a file is what its content shows (``odoo.tools.mimetypes.guess_mimetype``, python-magic
  when installed), never the client's Content-Type. When the content shows nothing
  (application/octet-stream), the stored type is guessed from the file name (e.g. video/mp4), but the
  allowed-types setting is matched against the content's type only: a name cannot get a file past it.
- Files are created as Odoo's backend creates them: images larger than ``base.image_autoresize_max_px``
  are resized, and HTML/XML-like types are stored as text/plain for users who may not edit views; the
  answer gives what was stored (size, checksum, mimetype).
- Files take the record's company (when it has one), not the user's default company.
- A raw body needs a Content-Length (411 otherwise): its size is checked before anything is read.
- Only files (``type`` binary) attached to the record itself count: links (type url) and the storage
  of binary fields (``res_field``) are never listed, served nor deleted here.

The helpers above ``# -- Odoo`` are pure (no Odoo import at module level): pytests/unit/test_files.py
tests them without a server.
"""

import mimetypes
import ntpath
import posixpath
import unicodedata

from .parsing import MAX_ID, ApiError

MAX_FILES = 10  # files in one request
DEFAULT_MAX_MIB = 25
MULTIPART_OVERHEAD = 64 * 1024  # bytes of a multipart body beside its files (boundaries, headers)
MAX_NAME_LENGTH = 255
OCTET_STREAM = "application/octet-stream"
MAX_MIB_PARAM = "fieldservice_jobs.api_max_upload_mb"
MIMETYPES_PARAM = "fieldservice_jobs.api_upload_mimetypes"


# -- pure helpers ------------------------------------------------------------------------------------
def limit_bytes(setting):
    """The largest file in bytes, from the setting in MiB (a positive integer; anything else: 25)."""
    try:
        mib = int(str(setting).strip())
    except (TypeError, ValueError):
        mib = DEFAULT_MAX_MIB
    return (mib if mib > 0 else DEFAULT_MAX_MIB) * 1024 * 1024


def request_limit(file_limit):
    """The largest body of an upload: MAX_FILES files of the largest size, and the multipart framing."""
    return file_limit * MAX_FILES + MULTIPART_OVERHEAD


def parse_allowed(setting):
    """The allowed types of the setting (comma-separated, lower case); empty: any type."""
    return tuple(dict.fromkeys(t.strip().lower() for t in (setting or "").split(",") if t.strip()))


def is_allowed(mimetype, allowed):
    """Whether ``mimetype`` is in ``allowed`` (``parse_allowed``): an exact type, ``image/*`` (any image)
    or ``*/*``; parameters (``; charset=...``) are ignored. Empty ``allowed``: any type."""
    if not allowed:
        return True
    mimetype = (mimetype or "").split(";")[0].strip().lower()
    major = mimetype.split("/")[0]
    return any(rule in (mimetype, "*", "*/*") or rule == f"{major}/*" for rule in allowed)


def clean_filename(name):
    """The base name of a client's file name (no folder, neither / nor \\), without control
    characters, at most MAX_NAME_LENGTH characters (the extension kept); "" when nothing is left."""
    name = ntpath.basename(posixpath.basename(name or ""))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in (".", ".."):
        return ""
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and stem and len(ext) < 16 else ""
        name = name[: MAX_NAME_LENGTH - len(ext)] + ext
    return name


def stored_mimetype(sniffed, filename):
    """The type to store: the content's (``sniffed``), or the file name's guess when the content shows
    nothing (application/octet-stream)."""
    if sniffed and sniffed != OCTET_STREAM:
        return sniffed
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    return (guessed or OCTET_STREAM).lower()


def default_name(mimetype):
    """The name of a file sent without one."""
    extension = mimetypes.guess_extension(mimetype) if mimetype != OCTET_STREAM else None
    return "file" + (extension or "")


def utc_string(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None


# -- Odoo ------------------------------------------------------------------------------------------------
def _settings(env):
    params = env["ir.config_parameter"].sudo()  # reading the settings, not acting for the client
    return limit_bytes(params.get_param(MAX_MIB_PARAM, DEFAULT_MAX_MIB)), parse_allowed(
        params.get_param(MIMETYPES_PARAM, "")
    )


def max_request_bytes(env):
    """The largest body the attachment routes take (checked by the controller before reading it)."""
    return request_limit(_settings(env)[0])


def _domain(record):
    return [
        ("res_model", "=", record._name),
        ("res_id", "=", record.id),
        ("res_field", "=", False),
        ("type", "=", "binary"),
    ]


def render(attachments):
    from .prefetch import display_names  # Odoo-bound: imported when used

    names = display_names(attachments, ["create_uid"]).get("create_uid", {})
    return [
        {
            "id": att.id,
            "name": att.name,
            "mimetype": att.mimetype,
            "size": att.file_size,
            "checksum": att.checksum,
            "create_date": utc_string(att.create_date),
            "uploader": [att.create_uid.id, names.get(att.create_uid.id)] if att.create_uid else None,
        }
        for att in attachments
    ]


def list_files(api, record):
    """The record's files the user can read, oldest first."""
    attachments = record.env["ir.attachment"].search(_domain(record), order="id")
    return 200, {"attachments": render(attachments)}


def _find(record, att_id):
    """The file ``att_id`` of ``record`` (searched as the user: Odoo's attachment rules apply)."""
    try:
        number = int(att_id)
    except (TypeError, ValueError):
        number = 0
    found = record.env["ir.attachment"]
    if 0 < number <= MAX_ID:
        found = found.search([("id", "=", number), *_domain(record)])
    if not found:
        raise ApiError(
            404, "not_found", f"No attachment '{att_id}' on {record._name} {record.id}.", {"attachment": att_id}
        )
    return found


def download(api, record, att_id):
    """The file itself, streamed by Odoo: ETag (its checksum), Content-Length, Content-Disposition,
    Range (206) and If-None-Match (304), answered from the request's own headers."""
    attachment = _find(record, att_id)
    stream = record.env["ir.binary"]._get_stream_from(attachment, "raw")
    return stream.get_response(as_attachment=True)


def delete(api, record, att_id):
    record.check_access("write")
    attachment = _find(record, att_id)
    attachment.unlink()
    return 200, {"attachment": {"id": attachment.id, "deleted": True}}


def _too_large(name, limit):
    return ApiError(
        413,
        "payload_too_large",
        f"'{name}' is larger than {limit} bytes, the largest file allowed.",
        {"file": name, "max_bytes": limit},
    )


def _size(storage):
    stream = storage.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def _multipart_files(httprequest, limit):
    """[(name, read)] of the files of a multipart body, every field name, sizes checked."""
    storages = [storage for key in httprequest.files for storage in httprequest.files.getlist(key)]
    if not storages:
        raise ApiError(400, "missing_file", "The multipart body holds no file (a part with a filename).")
    if len(storages) > MAX_FILES:
        raise ApiError(
            400,
            "too_many_files",
            f"At most {MAX_FILES} files in one request, not {len(storages)}.",
            {"max_files": MAX_FILES, "files": len(storages)},
        )
    found = []
    for storage in storages:
        name = clean_filename(storage.filename)
        if _size(storage) > limit:
            raise _too_large(name, limit)

        def read(storage=storage):
            storage.stream.seek(0)
            return storage.stream.read()

        found.append((name, read))
    return found


def _raw_file(httprequest, limit):
    """[(name, read)] of a raw body: the body is the file, its name in ?filename=."""
    name = clean_filename(httprequest.args.get("filename"))
    if not name:
        raise ApiError(400, "missing_filename", "Name the file: ?filename=photo.jpg (or send multipart/form-data).")
    length = httprequest.content_length
    if length is None:
        raise ApiError(411, "length_required", "A file sent as the body needs a Content-Length header.")
    if length > limit:  # refused before the body is read
        raise _too_large(name, limit)
    data = httprequest.get_data(cache=True)  # cached: an Idempotency-Key's hash covers the body
    if len(data) > limit:
        raise _too_large(name, limit)
    return [(name, lambda: data)]


def _check(name, data, allowed):
    """The type to store ``data`` with, or the API's error for an empty or refused file."""
    from odoo.tools.mimetypes import guess_mimetype  # Odoo's sniffer (python-magic when installed)

    if not data:
        raise ApiError(400, "empty_file", f"'{name or 'file'}' is empty.", {"file": name})
    sniffed = (guess_mimetype(data) or OCTET_STREAM).lower()
    if not is_allowed(sniffed, allowed):
        raise ApiError(
            415,
            "unsupported_media_type",
            f"'{name or 'file'}' is {sniffed}, which is not among the allowed types ({', '.join(allowed)}).",
            {"file": name, "mimetype": sniffed, "allowed": list(allowed)},
        )
    return stored_mimetype(sniffed, name)


def upload(api, record, httprequest):
    """Add up to MAX_FILES files to the record; every file is checked before any is written."""
    record.check_access("write")
    env = record.env
    limit, allowed = _settings(env)
    content_type = (httprequest.mimetype or "").lower()
    if content_type == "multipart/form-data":
        incoming = _multipart_files(httprequest, limit)
    elif content_type == "application/x-www-form-urlencoded":  # Odoo parsed it as a form: the bytes are gone
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the file as multipart/form-data, or as the body with its own Content-Type "
            "(e.g. application/octet-stream), not application/x-www-form-urlencoded.",
        )
    else:
        incoming = _raw_file(httprequest, limit)
    checked = []
    for name, read in incoming:
        mimetype = _check(name, read(), allowed)
        checked.append((name or default_name(mimetype), read, mimetype))
    Attachment = env["ir.attachment"]
    created = Attachment
    values = {"res_model": record._name, "res_id": record.id}
    company = record._fields.get("company_id")
    if company is not None and company.type == "many2one" and company.comodel_name == "res.company":
        # the record's company (visible to the user, hence one of the request's), not the user's default
        values["company_id"] = record.company_id.id or env.company.id
    for name, read, mimetype in checked:  # one at a time: one file in memory
        created |= Attachment.create(dict(values, name=name, raw=read(), mimetype=mimetype))
    if hasattr(record, "message_post"):  # in the chatter too (the files stay the record's)
        record.message_post(
            body=env._("Added through the REST API: %s", ", ".join(created.mapped("name"))),
            attachment_ids=created.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
    rows = render(created)
    record._fsj_api_emit(
        "attachment_added",
        {"attachments": [{key: row[key] for key in ("id", "name", "mimetype", "size")} for row in rows]},
    )
    return 201, {"attachments": rows}
