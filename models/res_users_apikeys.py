# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib

from odoo import api, fields, models, tools
from odoo.exceptions import AccessDenied


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    @api.model
    def _fsj_check_key(self, key, before_verify=None):
        """(user id, key id, key name) of a valid key, or None. Odoo verifies a key with pbkdf2 (about
        10 ms) on every call; the REST API keeps verified keys in Odoo's own registry cache, keyed by a
        hash of the key (never the key itself), cleared on every worker when a key is revoked or a
        user changes. Expiry is checked on every request. ``before_verify`` runs only when the key
        must really be verified (not cached): the place for throttling."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        cached = self._fsj_cached_key(digest)
        try:
            if cached is None and before_verify:
                before_verify()
            uid, key_id, name, expiration = cached or self._fsj_verified_key(digest, key)
        except AccessDenied:
            return None
        if expiration and expiration < fields.Datetime.now():
            self.env.registry.clear_cache()
            return None
        return uid, key_id, name

    @api.model
    def _fsj_cached_key(self, digest):
        """The entry of _fsj_verified_key for this digest if this worker has it, without computing it."""
        cache = type(self)._fsj_verified_key.__cache__
        lru, key0, _counter = cache.lru(self)
        key = (*key0, digest)
        return lru[key] if key in lru else None

    @api.model
    @tools.ormcache("digest")
    def _fsj_verified_key(self, digest, key):
        uid = self._check_credentials(scope="rpc", key=key)
        if not uid:
            raise AccessDenied()  # failures are not cached
        # _check_credentials finds keys by their first 8 characters and the user (res.users.apikeys has
        # no ORM field for them, hence SQL)
        self.env.cr.execute(
            "SELECT id, name, expiration_date FROM res_users_apikeys WHERE user_id = %s AND index = %s "
            "ORDER BY id LIMIT 1",
            [uid, key[:8]],
        )
        key_id, name, expiration = self.env.cr.fetchone() or (None, None, None)
        return uid, key_id, name, expiration

    def _remove(self):
        self.env.registry.clear_cache()
        return super()._remove()

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
