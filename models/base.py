# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Per-model hooks of the REST API. restapi/service.py (ModelApi) is generic: wherever a model needs
its own rule, it asks the model through one of these hooks, which a model (e.g. fsm.order, in
models/fsm_order.py) or another addon overrides with ``_inherit``, extending dicts and lists after
``super()``."""

from odoo import Command, _, api, models
from odoo.fields import Field
from odoo.tools import SQL, OrderedSet

from ..exceptions import FsjApiError
from ..sanitize_memo import sanitize_memo
from .fsm_api_change import capture_previous
from .fsm_api_import_run import is_journaled
from .fsm_api_import_run import journal_create as import_journal_create
from .fsm_api_import_run import journal_write as import_journal_write

# field types whose cached value _read_format(load=None) answers through convert_to_record and
# convert_to_read without reading the record (x2many, binary, properties, reference: Odoo's way)
CACHE_READ_TYPES = frozenset(
    {"char", "text", "html", "selection", "integer", "float", "monetary", "boolean", "date", "datetime", "many2one"}
)
# types of a _rec_name whose column value is the display name as Odoo converts it (str(value) or False)
NAME_COLUMN_TYPES = frozenset({"char", "text", "selection"})
# what the API asks fields_get for
FIELD_ATTRIBUTES = ["type", "relation", "selection", "required", "readonly", "store", "string", "model_field"]
# never shown nor written through the API, whatever the model
SECRET_FIELD_WORDS = ("password", "api_key", "apikey", "secret", "token", "totp")
# not in the default field set (ask for them by name)
NOT_DEFAULT_TYPES = ("binary", "image", "one2many")


class Base(models.AbstractModel):
    _inherit = "base"

    # -- fields ----------------------------------------------------------------------------------
    @api.model
    def _fsj_api_field_aliases(self):
        """Override to give fields an API name of their own: {API name: ORM field name}."""
        return {}

    @api.model
    def _fsj_api_hidden_fields(self):
        """Override to leave ORM fields out of the API (e.g. when an alias takes their name)."""
        return set()

    @api.model
    def _fsj_api_field_map(self, orm_fields):
        """Override to describe fields differently: the API's fields of this model,
        {API name: (ORM name, description)}, from ``orm_fields`` (fields_get as the user sees it):
        secret and hidden fields left out, aliases added."""
        hidden = self._fsj_api_hidden_fields()
        fields = {
            fname: (fname, desc)
            for fname, desc in orm_fields.items()
            if fname not in hidden and not any(word in fname for word in SECRET_FIELD_WORDS)
        }
        for api_name, orm_name in self._fsj_api_field_aliases().items():
            if orm_name in orm_fields:
                fields[api_name] = (orm_name, dict(orm_fields[orm_name]))
        return fields

    @api.model
    def _fsj_api_default_fields(self, field_map):
        """Override to change the fields answered when a client names none: by default the stored
        ones, without binaries and one2many."""
        return [
            name
            for name, (_orm, desc) in field_map.items()
            if desc.get("store") and desc["type"] not in NOT_DEFAULT_TYPES
        ]

    # -- reading ---------------------------------------------------------------------------------
    def _fsj_cached_values(self, fname):
        """The cached values of field ``fname`` for every record of ``self``, in order, as the cache
        holds them (a many2one: the id or None), or None when any is missing or still to be computed:
        then the ORM's own way (``record[fname]``) must be taken."""
        field = self._fields[fname]
        env = self.env
        if field.compute and field.store and env.transaction.tocompute.get(field):
            return None
        values = env.cache.get_until_miss(self, field)
        return values if len(values) == len(self._ids) else None

    def _fsj_api_read_rows(self, fnames):
        """``self._read_format(fnames, load=None)`` for records whose values are in cache (a page of
        search_fetch): the same rows (many2one values as ids), taken from the cache a column at a
        time instead of a record and a field at a time (a page of 50 jobs: about a tenth of the
        time). Any field not in cache for every record, or of another type: _read_format itself."""
        rows = [{"id": id_} for id_ in self._ids]
        for fname in fnames:
            field = self._fields[fname]
            values = self._fsj_cached_values(fname) if field.type in CACHE_READ_TYPES else None
            if values is None:
                return self._read_format(fnames=fnames, load=None)
            if field.type == "many2one":
                for row, value in zip(rows, values, strict=True):
                    row[fname] = value or False
                continue
            to_record, to_read = field.convert_to_record, field.convert_to_read
            for row, value in zip(rows, values, strict=True):
                row[fname] = to_read(to_record(value, self), self, False)
        return rows

    def _fsj_linked(self, fname):
        """``self[fname]`` of a many2one ``fname`` (its targets, once each, in this environment),
        from the cache when every value is there."""
        values = self._fsj_cached_values(fname)
        if values is None:
            return self[fname]
        return self.env[self._fields[fname].comodel_name].browse(OrderedSet(value for value in values if value))

    @api.model
    def _fsj_api_name_paths(self):
        """(dotted paths, stored fields read as stored) that the display names of this model's records
        read, prefetched once for a page (restapi/prefetch.py). By default the ``_rec_name`` field when
        the model keeps Odoo's generic compute of its display name, else the display name itself
        (its declared dependencies). Override with ``_fsj_api_display_names``."""
        if self._fsj_generic_display_name():
            return [self._rec_name], ()
        return ["display_name"], ()

    @api.model
    def _fsj_api_name_columns(self):
        """The fields of this model (stored, or inherited from an ``_inherits`` parent, which Odoo's
        SQL joins) whose values make the display names: read in one query for all the targets of a
        many2one field of a page (restapi/prefetch.py), names made by ``_fsj_api_names_from_columns``.
        None: the names are taken the ORM way (``_fsj_api_name_paths``, ``_fsj_api_display_names``).
        By default the ``_rec_name`` field of Odoo's generic compute, when its value is the name (text).
        Override both together."""
        if not self._fsj_generic_display_name():
            return None
        field = self._fields[self._rec_name]
        column = field.related_field if field.inherited else field
        if (
            field.type not in NAME_COLUMN_TYPES
            or not (column.store and column.column_type)
            or (field.related and not field.inherited)
            or type(field)._process_related is not Field._process_related
        ):
            return None
        return [self._rec_name]

    @api.model
    def _fsj_api_name_json_sql(self, alias, query):
        """SQL of the display name, as JSON text, of the row ``alias`` of this model's table in
        ``query`` (a join it needs is added to ``query``), exactly as ``_fsj_api_names_from_columns``
        names it: for a page rendered whole by PostgreSQL (restapi/sqlrender.py). NULL for a row it
        cannot name so (the page is then rendered in Python); None when this model's names are not
        made in SQL. By default the one text column of ``_fsj_api_name_columns`` as Odoo converts it
        (``str(value) if value else False``), unless ``_fsj_api_names_from_columns`` is overridden.
        Override the three together."""
        if type(self)._fsj_api_names_from_columns is not Base._fsj_api_names_from_columns:
            return None
        columns = self._fsj_api_name_columns()
        if not columns or len(columns) != 1 or self._fields[columns[0]].type not in ("char", "text"):
            return None
        value = self._field_to_sql(alias, columns[0], query)
        return SQL(
            "CASE WHEN %(value)s IS NULL OR %(value)s = '' THEN 'false' ELSE to_json((%(value)s)::text)::text END",
            value=value,
        )

    @api.model
    def _fsj_api_names_from_columns(self, rows):
        """{id: display name} of the rows (id, *values of ``_fsj_api_name_columns``) read in SQL. An
        id left out is named the ORM way (``_fsj_api_display_names``)."""
        convert = self._fields[self._rec_name].convert_to_display_name
        return {row[0]: convert(row[1], self) for row in rows}

    def _fsj_api_display_names(self):
        """{id: display name} of these records (all existing, as superuser): exactly Odoo's
        ``display_name``, taken cheaper where the model knows how (override it with
        ``_fsj_api_name_paths``; res.partner's stored complete name, models/res_partner.py). By
        default Odoo's compute, or for the generic compute the ``_rec_name`` value as it converts it."""
        if not self._fsj_generic_display_name():
            return {record.id: record.display_name for record in self}
        field = self._fields[self._rec_name]
        convert = field.convert_to_display_name
        if field.inherited and type(field)._process_related is Field._process_related:
            # a field of an _inherits parent (fsm.location's name is its partner's): the parent's value,
            # as Odoo's related compute takes it, without that compute's cache writes
            link, target = field.related.split(".")
            parents = self._fsj_linked(link)  # the parents of all the records, fetched in one go
            target_field = parents._fields[target]
            links = self._fsj_cached_values(link)
            values = None if links is None else parents._fsj_cached_values(target)
            if values is None:
                return {record.id: convert(record[link][target], record) for record in self}
            # from the cache, a column at a time (a page of 50: about 0.5 ms less than record by record)
            by_parent = dict(zip(parents._ids, values, strict=True))
            to_record = target_field.convert_to_record
            return {
                id_: convert(to_record(by_parent.get(parent), parents), self)
                for id_, parent in zip(self._ids, links, strict=True)
            }
        if field.relational:
            return {record.id: convert(record[self._rec_name], record) for record in self}
        values = self.mapped(self._rec_name)
        return {record.id: convert(raw, record) for record, raw in zip(self, values, strict=True)}

    @api.model
    def _fsj_generic_display_name(self):
        field = self._fields["display_name"]
        return bool(
            self._rec_name
            and field.compute == "_compute_display_name"
            and not field.related
            and type(self)._compute_display_name is models.BaseModel._compute_display_name
        )

    @api.model
    def _fsj_api_domain_leaf(self, api_name, orm_name, value):
        """Override to translate a top-level domain condition on the API field ``api_name`` (ORM
        field ``orm_name``): returns (ORM field, value), e.g. a stage given by its code."""
        return orm_name, value

    # -- pseudo-fields: values the API computes without a field ----------------------------------
    @api.model
    def _fsj_api_pseudo_fields(self):
        """Override to answer values that are no field, asked by name in ``fields`` (never in the
        default set; never written, filtered nor sorted on): {API name: (method, description)}. The
        method is called once on all the records of an answer and returns {record id: JSON value};
        the description is fields_get-like (``type``, ``string``, ``help``) for the OpenAPI document.
        By default ``actions``, for a model that describes actions (``_fsj_api_action_descriptions``)."""
        descriptions = self._fsj_api_action_descriptions()
        if not descriptions:
            return {}
        return {
            "actions": (
                "_fsj_api_actions",
                {
                    "type": "actions",
                    "string": "Allowed Actions",
                    "readonly": True,
                    "help": "What the API key's user may do with the record now.",
                    "selection": list(descriptions.items()),
                },
            )
        }

    @api.model
    def _fsj_api_action_descriptions(self):
        """Override to describe the actions a record of the model may allow: {action: description}
        (the pseudo-field ``actions`` lists those the user may perform now, ``_fsj_api_actions``)."""
        return {}

    def _fsj_api_actions(self):
        """Override to answer the actions (of ``_fsj_api_action_descriptions``) the user may perform
        now on each record: {record id: [action, ...]}, for all the records at once (no query per
        record: the API asks it for a page of up to 1000)."""
        return {record.id: [] for record in self}

    # -- writing ---------------------------------------------------------------------------------
    @api.model
    def _fsj_api_value_converters(self):
        """Override to convert some API fields' values yourself: {API name: callable(raw, cache)}
        returning (ORM field, ORM value), or None to let the API convert the value as usual.
        ``cache`` is a dict that lives for one request (e.g. for look-ups shared by a batch). Raise
        odoo.addons.fieldservice_jobs.exceptions.FsjApiError for a wrong value."""
        return {}

    @api.model
    def _fsj_api_write_only_fields(self):
        """Override to accept values that are no field of the model in create and upsert bodies (e.g.
        fsm.order's ``customer`` object): {API name: fields_get-like description}. Each needs a value
        converter (``_fsj_api_value_converters``) that turns it into a field's value; never read."""
        return {}

    @api.model
    def _fsj_api_check_vals(self, vals, creating):
        """Override to refuse values (ORM names) before they are written: raise FsjApiError."""
        return None

    def _fsj_import_values(self, previous):
        """Override to restore old values your own way: the ORM values that write back ``previous``
        (an import run's journal, as the change log keeps values: ids for relations, ISO dates)."""
        values = {}
        for fname, value in previous.items():
            field = self._fields.get(fname)
            if field is None or not field.store or (field.compute and not field.inverse and field.readonly):
                continue
            if field.type == "many2one":
                value = value[0] if isinstance(value, list) and value else (value or False)
            elif field.type == "many2many":
                value = [Command.set(value or [])]
            elif field.type == "one2many":
                continue  # the run's new lines go with the rollback of their creation
            values[fname] = value
        return values

    # -- external references (models/fsj_external_ref_mixin.py overrides these) -------------------
    @api.model
    def _fsj_api_find_by_ref(self, refs):
        """{external_ref: record} of the records the user sees with those references."""
        raise FsjApiError(
            _("%(model)s records have no external reference.", model=self._name),
            status=400,
            code="no_external_ref",
            details={"model": self._name},
        )

    @api.model
    def _fsj_api_check_ref(self, ref):
        """Refuse a malformed reference (raise FsjApiError); returns it."""
        return self._fsj_api_find_by_ref([ref])

    def _fsj_api_write(self, vals):
        """Override to write API values another way (e.g. a stage change that runs a workflow)."""
        return self.write(vals)

    def _fsj_api_created(self, rows):
        """Override to add to the answer of a create (``rows``: the records as rendered, in order),
        e.g. a secret shown this once."""
        return rows

    def _fsj_api_unlink(self):
        """Override to refuse or change a delete through the API."""
        return self.unlink()

    # -- methods ---------------------------------------------------------------------------------
    @api.model
    def _fsj_api_methods(self):
        """Override to make methods callable through POST /object/<model>/<id>/<method>:
        {method name: {argument: fields_get-like description}}. Only public methods can be listed."""
        return {}

    def _fsj_api_call(self, method, kwargs):
        """Override to call a listed method in another context (e.g. with workflow guards)."""
        return getattr(self, method)(**kwargs)

    # -- events: the change log and webhooks (models/fsm_api_change.py) --------------------------
    @api.model
    def _fsj_api_event_types(self):
        """Override to give the model webhook events: {event type: description}."""
        return {}

    def _fsj_api_event_type(self, operation, previous):
        """Override to name the webhook event of a change of this record: ``operation`` is create,
        write or unlink; ``previous`` the changed fields' old values (ORM names). None: no event."""
        return None

    def _fsj_log_changes(self, operation, previous=None):
        if not self._ids or self._name not in self.env["fsm.api.change"]._tracked_models():
            return
        changes = self.env["fsm.api.change"]._changes()
        company = self._fields.get("company_id")
        with_company = operation == "unlink" and company is not None and company.type == "many2one" and company.store
        for record in self:
            key = (self._name, record.id)
            entry = changes.get(key)
            if entry is None:
                entry = changes[key] = {"op": operation}
            elif operation == "unlink":
                if entry["op"] == "create":  # created and deleted in one transaction: no change at all
                    del changes[key]
                    continue
                entry["op"] = "unlink"
            elif entry["op"] == "event":  # only events so far (_fsj_api_emit): now a change too
                entry["op"] = operation
            if with_company:
                entry["company"] = record.company_id.id
            if previous and record.id in previous:
                old = entry.setdefault("previous", {})
                for fname, value in previous[record.id].items():
                    old.setdefault(fname, value)  # the value before the transaction's first write

    @api.model
    def _fsj_api_event_for(self, action):
        """Override to name the webhook event of an action on this model's records that is not a
        plain change of their fields (e.g. 'attachment_added', 'signed', 'checked_in'); None: none."""
        return None

    def _fsj_api_emit(self, action, details=None):
        """Send the event of ``action`` (see ``_fsj_api_event_for``) for these records when the
        transaction commits, with ``details`` (JSON) in its ``previous``."""
        event = self._fsj_api_event_for(action)
        log = self.env["fsm.api.change"]
        if not event or not self._ids or self._name not in log._tracked_models():
            return
        changes = log._changes()
        for record in self:
            entry = changes.setdefault((self._name, record.id), {"op": "event"})
            entry.setdefault("events", []).append((event, details or {}))

    @api.model_create_multi
    def create(self, vals_list):
        # each HTML value sanitized once, not three times, nor a batch's equal values once each
        # (sanitize_memo.py)
        with sanitize_memo():
            return super().create(vals_list)

    @api.model
    def _create(self, data_list):
        records = super()._create(data_list)
        records._fsj_log_changes("create")
        if self.env.context.get("fsj_import_run"):
            import_journal_create(self.env, records)
        return records

    def _write_multi(self, vals_list):
        # every column update goes through here: write(), and the flush of computed stored fields
        self._fsj_log_changes("write")
        return super()._write_multi(vals_list)

    def write(self, vals):
        if self.env.context.get("fsj_import_run") and self._ids and is_journaled(self._name):
            # an import run keeps the old values of what it changes (its rollback writes them back)
            import_journal_write(self.env, self, list(vals))
        log = self.env["fsm.api.change"]
        if self._ids and self._name in log._tracked_models() and self._name in log._webhook_models():
            # old values only for models with an active subscription (their events say what changed)
            self._fsj_log_changes("write", capture_previous(self, list(vals)))
        return super().write(vals)

    def unlink(self):
        if self._ids and self._name in self.env["fsm.api.change"]._tracked_models():
            hooked = self._name in self.env["fsm.api.change"]._webhook_models()
            records = self.exists()
            previous = capture_previous(records, records._fsj_api_deleted_fields()) if hooked else None
            records._fsj_log_changes("unlink", previous)
        return super().unlink()

    @api.model
    def _fsj_api_deleted_fields(self):
        """Override to choose what a deletion's event keeps of the record (ORM names)."""
        return [f for f in ("name", "display_name") if f in self._fields]
