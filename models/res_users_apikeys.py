# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessDenied, ValidationError
from odoo.tools import sql

# The res.users.apikeys scope of keys made for this REST API. Odoo's RPC accepts only unscoped keys
# (its "rpc" scope matches scope IS NULL), so a key limited to some models or to reading cannot be
# used over /xmlrpc or /jsonrpc to reach what its scope forbids.
RESTAPI_SCOPE = "fieldservice_jobs.restapi"
INDEX_SIZE = 8  # Odoo's public key index: the key's first characters


def ensure_apikey_foreign_key(cr, table, column="apikey_id"):
    """res.users.apikeys is not an _auto table, so Odoo makes no foreign key to it: make it, so a
    revoked key (or an expired one, which Odoo deletes in SQL) takes the rows that name it along."""
    if not sql.get_foreign_keys(cr, table, column, "res_users_apikeys", "id", "cascade"):
        sql.add_foreign_key(cr, table, column, "res_users_apikeys", "id", "cascade")


def primary_cursor(env):
    """A cursor of its own on the primary database, for what a request writes whatever its answer
    (rate-limit counts, refused keys) or must read from the primary. A read-only request (a GET: its
    cursor is a replica's when Odoo has one, see README "Deployment") has nothing to keep in its
    transaction: it is ended first, as Odoo does for its res.device logs (its test cursors require it:
    no read/write test cursor opens over a read-only one that is in use)."""
    if env.cr.readonly:
        env.cr.rollback()
    return env.registry.cursor(readonly=False)


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    # -- making keys ----------------------------------------------------------------------------
    @api.model
    def _generate_restapi_key(
        self, name, models=None, read_only=False, expiration_date=None, rate_limit=0, stage_numbering="odoo"
    ):
        """A new API key of the current user for this REST API only, and its string (shown once).

        :param models: technical model names the key may use (None: every model the API exposes)
        :param read_only: the key may only read
        :param expiration_date: as Odoo's ``_generate`` (non-administrators must give one)
        :param rate_limit: requests per rate-limit window for this key (0: Settings' default)
        :param stage_numbering: "odoo" (Odoo's stage ids) or "jdx" (seed 000's numbers 1-5)

        Odoo's XML-RPC and JSON-RPC refuse the key (it has this API's own scope)."""
        models = [m.strip() for m in (models or []) if m and m.strip()]
        unknown = [m for m in models if m not in self.env]
        if unknown:
            raise ValidationError(_("Unknown model(s) for an API key: %s", ", ".join(unknown)))
        if stage_numbering not in ("odoo", "jdx"):
            raise ValidationError(_("Stage numbering is 'odoo' or 'jdx', not %s.", stage_numbering))
        key = self._generate(RESTAPI_SCOPE, name, expiration_date)
        key_id = self._fsj_key_id(self.env.uid, key)
        if models or read_only or rate_limit or stage_numbering != "odoo":
            self.env["fsm.api.key.scope"].sudo().create(
                {
                    "apikey_id": key_id,
                    "model_names": ",".join(models),
                    "read_only": read_only,
                    "rate_limit": rate_limit,
                    "stage_numbering": stage_numbering,
                }
            )
        return key

    def _generate(self, scope, name, expiration_date):
        # the backend's "New API Key" wizard asks for a REST API key through its context
        restapi = self.env.context.get("fsj_restapi_key")
        if restapi and scope is None:
            return self.with_context(fsj_restapi_key=None)._generate_restapi_key(
                name, expiration_date=expiration_date, **restapi
            )
        return super()._generate(scope, name, expiration_date)

    @api.model
    def _fsj_key_id(self, uid, key):
        # res.users.apikeys has no ORM field for its index column (the key's public prefix), hence SQL
        self.env.cr.execute(
            "SELECT id FROM res_users_apikeys WHERE user_id = %s AND index = %s ORDER BY id DESC LIMIT 1",
            [uid, key[:INDEX_SIZE]],
        )
        row = self.env.cr.fetchone()
        return row and row[0]

    def _fsj_restrict_to_restapi(self):
        """Give unscoped keys this API's scope (a key with a REST API scope must not keep its RPC
        access). Keys of another scope cannot be used by this API at all."""
        if not self:
            return
        self.env.cr.execute(
            "SELECT id FROM res_users_apikeys WHERE id IN %s AND scope IS NOT NULL AND scope != %s",
            [tuple(self.ids), RESTAPI_SCOPE],
        )
        if self.env.cr.fetchall():
            raise ValidationError(_("This key has another scope and cannot be used with the REST API."))
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET scope = %s WHERE id IN %s AND scope IS NULL",
            [RESTAPI_SCOPE, tuple(self.ids)],
        )
        self.invalidate_recordset(["scope"])

    # -- checking keys ----------------------------------------------------------------------------
    @api.model
    def _fsj_check_key(self, key, remote_addr):
        """(user id, key id, key name) of a valid key, or None.

        Odoo verifies a key with pbkdf2 (about 10 ms) on every call; the REST API keeps verified keys
        in Odoo's registry cache, keyed by a hash of the key (never the key itself), cleared on every
        worker when a key is revoked or a user changes. Expiry is checked on every request, against
        the cached expiration date (an expired key is refused without clearing any cache)."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        try:
            uid, key_id, name, expiration = self._fsj_verified_key(digest, key, remote_addr)
        except AccessDenied:
            return None
        if expiration and expiration < fields.Datetime.now():
            return None
        return uid, key_id, name

    @api.model
    @tools.ormcache("digest")
    def _fsj_verified_key(self, digest, key, remote_addr):
        """Runs only for a key this worker has not verified yet (failures are not cached):
        a key whose prefix matches no stored key is refused without hashing; a client that had too
        many keys with this prefix refused is throttled (ApiKeyThrottled) before any hashing.

        On a read-only request (a GET, whose cursor may be a replica's) the prefix is looked up there
        (a flood of random keys never reaches the primary), and the rest runs on the primary: the
        failure counts are the primary's, and what this worker caches (the key, and the key's scope,
        read here along) is never an older state a lagging replica still shows."""
        prefix = key[:INDEX_SIZE]
        self.env.cr.execute(
            "SELECT 1 FROM res_users_apikeys WHERE index = %s AND (scope IS NULL OR scope = %s) LIMIT 1",
            [prefix, RESTAPI_SCOPE],
        )
        if not self.env.cr.fetchone():
            raise AccessDenied()
        if not self.env.cr.readonly:
            found = self._fsj_verify_key(key, remote_addr)
        else:
            with primary_cursor(self.env) as cr:
                primary = self.with_env(self.env(cr=cr))
                found = primary._fsj_verify_key(key, remote_addr)
                if found and found[1]:
                    primary.env["fsm.api.key.scope"]._scope_of(found[1])  # cached from the primary
        if not found:
            self.env["fsm.api.auth.failure"]._record(remote_addr, prefix)
            raise AccessDenied()
        return found

    @api.model
    def _fsj_verify_key(self, key, remote_addr):
        """(user id, key id, name, expiration) of a valid key, or None; ApiKeyThrottled first when
        this client had too many keys of this prefix refused."""
        prefix = key[:INDEX_SIZE]
        self.env["fsm.api.auth.failure"]._check_throttle(remote_addr, prefix)
        uid = self._check_credentials(scope=RESTAPI_SCOPE, key=key)
        if not uid:
            return None
        self.env.cr.execute(
            "SELECT id, name, expiration_date FROM res_users_apikeys WHERE user_id = %s AND index = %s "
            "AND (scope IS NULL OR scope = %s) ORDER BY id LIMIT 1",
            [uid, prefix, RESTAPI_SCOPE],
        )
        key_id, name, expiration = self.env.cr.fetchone() or (None, None, None)
        return uid, key_id, name, expiration

    def _remove(self):
        self.env.registry.clear_cache()
        return super()._remove()

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
