# Odoo 18 with OCA Field Service and fieldservice_jobs.
#   docker compose up -d          -> http://localhost:8069 (database "fieldservice", demo data, admin/admin)
#   docker compose run --rm test  -> ./run-tests against the compose database server
FROM odoo:18.0 AS runtime

USER root
# OCA dependency addons, exactly the versions in oca-requirements.txt, unpacked into an addons folder.
# (--no-deps: the wheels ask for an `odoo` distribution, which the image's Debian-packaged Odoo is not.)
COPY oca-requirements.txt /tmp/oca-requirements.txt
RUN python3 -m pip download --no-deps --disable-pip-version-check -d /tmp/oca-wheels -r /tmp/oca-requirements.txt \
    && mkdir -p /opt/oca-addons \
    && for whl in /tmp/oca-wheels/*.whl; do python3 -m zipfile -e "$whl" /tmp/oca-unpacked; done \
    && mv /tmp/oca-unpacked/odoo/addons/* /opt/oca-addons/ \
    && rm -rf /tmp/oca-wheels /tmp/oca-unpacked /tmp/oca-requirements.txt

# This addon (the repository root is the addon; Odoo names a module after its folder).
COPY --chown=odoo:odoo . /opt/odoo-addons/fieldservice_jobs
RUN rm -rf /opt/odoo-addons/fieldservice_jobs/.odoo-test /opt/odoo-addons/fieldservice_jobs/.git

ENV FSJ_ADDONS_PATH=/opt/odoo-addons,/opt/oca-addons,/mnt/extra-addons
USER odoo

# ---------------------------------------------------------------------------------------------------
# The test image: the same Odoo plus the test tooling. No browser: Ubuntu noble ships Chromium only as
# a snap, which does not run in a container, so Odoo skips the UI tour here (./run-tests reports it as
# skipped); every other layer runs.
FROM runtime AS test
USER root
COPY test-requirements.txt /tmp/test-requirements.txt
RUN python3 -m pip install --break-system-packages --no-cache-dir -r /tmp/test-requirements.txt
USER odoo
WORKDIR /opt/odoo-addons/fieldservice_jobs
# The image's Odoo is importable by python3 and started with `odoo`: ./run-tests finds both.
ENTRYPOINT []
CMD ["./run-tests"]
