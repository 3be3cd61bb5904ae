# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Many2one display names of a page, in one batch per field.

Odoo renders a many2one as (id, display_name), computed as superuser (``Many2one.convert_to_read``),
one record at a time, and the first read of any field of a target loads *every* prefetchable column
of its table (dozens for res.partner), once for the customers, again for the locations' and the
technicians' partners (fsm.location and fsm.person inherit res.partner). Here, per field:

- a target model that says which columns make its names (``_fsj_api_name_columns``: the ``_rec_name``
  of Odoo's generic compute, a partner's name and stored complete name) is read in a query of those
  columns, as Odoo's SQL reads them (translations, the _inherits parent joined, pending writes flushed
  first), without filling the cache: about a third of the ORM's time for a page of 50 jobs; the
  fields whose name columns are text share one query (a UNION ALL: one round trip for all);
- any other is named through the ORM after a narrow prefetch: only the columns the compute depends
  on (``@api.depends``, followed through related fields, stored computed fields and many2one links),
  one query per model and link level, so that the computes find everything in cache.

It changes how names are read, never what is answered: tests/test_restapi_render.py compares the
names with Odoo's ``read``; tests/test_restapi_queries.py pins the query count of a list.
"""

from collections import deque

from odoo.exceptions import MissingError
from odoo.tools import SQL

MAX_LEVELS = 3  # many2one hops followed (location -> partner -> parent company)
TEXT_TYPES = frozenset({"char", "text", "selection"})  # name columns read as text in one UNION ALL


def _plan(model, paths, stored_only=()):
    """(stored field names of ``model``, {many2one field: dotted paths on its target}) that computing
    the dotted ``paths`` reads, following declared dependencies (not those of the stored fields in
    ``stored_only``: their column is what is read)."""
    columns, follow = set(), {}
    todo, done = deque(paths), set()
    depends = model.pool.field_depends
    while todo:
        path = todo.popleft()
        if path in done:
            continue
        done.add(path)
        head, _dot, tail = path.partition(".")
        field = model._fields.get(head)
        if field is None:
            continue
        if tail:
            todo.append(head)
            if field.type == "many2one":
                follow.setdefault(head, set()).add(tail)
            continue
        if field.store and field.column_type:
            columns.add(head)
            if path in stored_only:
                continue
        # a compute may read its inputs rather than its stored result (res.partner's display name
        # calls _get_complete_name(), the compute of its stored complete_name): follow them too
        if field.compute or field.related:
            todo.extend(depends[field])
    return columns, follow


def _add(level, records, paths):
    if records:
        have, have_paths = level.get(records._name, (records.browse(), set()))
        level[records._name] = (have | records, have_paths | set(paths))


def display_names(records, field_names):
    """{many2one field: {target id: display name}} for the many2one ``field_names`` of ``records``.

    As Odoo's ``Many2one.convert_to_read``: names computed as superuser (a many2one's visibility is the
    record's, not the target's), a missing target has none; but in one batch per field instead of one
    superuser environment and one full-row fetch per value: a query of the targets' name columns
    when their model says which make its names (``_fsj_api_name_columns``; one query for all the
    fields whose columns are text), else through the ORM after a narrow prefetch."""
    names, by_orm, in_sql = {}, {}, []
    for fname in field_names:
        field = records._fields.get(fname)
        if field is None or field.type != "many2one":
            continue
        # the links as the user reads them (a page: from the cache), the targets as superuser
        targets = records._fsj_linked(fname).sudo()
        columns = targets._fsj_api_name_columns() if targets and all(targets._ids) else None
        if columns:
            in_sql.append((fname, targets, columns))
        else:
            by_orm[fname] = targets
    for fname, (named, left) in _names_in_sql(in_sql).items():
        names[fname] = named
        if left:
            by_orm[fname] = left
    for fname, found in _names_by_orm(by_orm).items() if by_orm else ():
        names.setdefault(fname, {}).update(found)
    return names


def _names_in_sql(batches):
    """{field: ({id: name}, records left to the ORM)} of the ``batches`` [(field, targets as
    superuser, their name columns)]: the columns read as Odoo's SQL reads them (translations,
    _inherits parents joined, pending writes flushed first), without filling the cache, in one query
    for all the fields whose columns are text (char, text, selection: a UNION ALL, one round trip
    instead of one per field: about 0.1 ms each), one query each for the others."""
    text_batches = [batch for batch in batches if all(batch[1]._fields[n].type in TEXT_TYPES for n in batch[2])]
    if len(text_batches) < 2:  # nothing to share a query with
        text_batches = []
    shared = {batch[0] for batch in text_batches}
    result = {
        fname: _named(targets, columns, targets.env.execute_query(_names_select(targets, columns)))
        for fname, targets, columns in batches
        if fname not in shared
    }
    if text_batches:
        width = max(len(columns) for _fname, _targets, columns in text_batches)
        selects = [
            _names_select(targets, columns, tag=index, width=width)
            for index, (_fname, targets, columns) in enumerate(text_batches)
        ]
        rows_of = [[] for _batch in text_batches]
        for tag, *row in text_batches[0][1].env.execute_query(SQL(" UNION ALL ").join(selects)):
            rows_of[tag].append(row)
        for (fname, targets, columns), rows in zip(text_batches, rows_of, strict=True):
            result[fname] = _named(targets, columns, [row[: 1 + len(columns)] for row in rows])
    return result


def _names_select(targets, columns, tag=None, width=None):
    """SELECT id, *columns of ``targets``; tagged, its columns as text and padded to ``width`` for a
    UNION ALL (text columns only: their values are the same strings)."""
    query = targets._as_query(ordered=False)
    selects = [SQL.identifier(targets._table, "id")]
    terms = [targets._field_to_sql(targets._table, name, query) for name in columns]
    if tag is None:
        return query.select(*selects, *terms)
    terms = [SQL("(%s)::text", term) for term in terms] + [SQL("NULL::text")] * (width - len(columns))
    return SQL("(%s)", query.select(SQL("%s", tag), *selects, *terms))


def _named(targets, columns, rows):
    named = targets._fsj_api_names_from_columns(rows)
    return named, targets.browse(id_ for id_ in targets._ids if id_ not in named)


def _names_by_orm(targets):
    """{field: {target id: name}} of the target records ``targets`` ({field: records, as superuser})
    through the ORM: the columns their names read (``_fsj_api_name_paths``) prefetched, one query per
    model and link level, then ``_fsj_api_display_names``."""
    # what each model's names read (its _fsj_api_name_paths hook: models/base.py, models/res_partner.py)
    plans = {values._name: values._fsj_api_name_paths() for values in targets.values()}
    level = {}
    for values in targets.values():
        _add(level, values, plans[values._name][0])
    for hop in range(MAX_LEVELS):
        following, leaves = {}, []
        for values, paths in level.values():
            stored_only = () if "display_name" in paths else plans.get(values._name, ((), ()))[1]
            columns, follow = _plan(values, paths, stored_only)
            if not follow:
                leaves.append((values, paths, columns))
                continue
            values.fetch(list(columns))
            for link, tails in follow.items():
                _add(following, values._fsj_linked(link), tails)
        for values, paths, columns in leaves:
            if values._name in following and hop < MAX_LEVELS - 1:
                _add(following, values, paths)  # fetched with the next level's records of its model (one query)
            else:
                values.fetch(list(columns))
        level = following
        if not level:
            break
    names = {}
    for fname, values in targets.items():
        try:
            names[fname] = values._fsj_api_display_names()
        except MissingError:  # a dangling reference: as Odoo, no name (the value renders as empty)
            names[fname] = values.exists()._fsj_api_display_names()
    return names
