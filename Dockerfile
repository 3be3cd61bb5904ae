# Odoo 18 with OCA Field Service and fieldservice_jobs (README.rst, "Installation").
#   docker compose up -d          -> http://localhost:8069 (database "fieldservice", demo data, admin/admin)
#   docker compose run --rm test  -> ./run-tests against the compose database server
#
# What this relies on in odoo:18.0 (odoo/docker, 18.0/Dockerfile, entrypoint.sh and odoo.conf): Ubuntu
# noble, Odoo from Odoo's Debian package in the system Python 3.12 (dist-packages, dpkg-owned), USER odoo,
# ODOO_RC=/etc/odoo/odoo.conf whose addons_path is /mnt/extra-addons (an empty VOLUME), and an entrypoint
# that, for `odoo ...` or `--option ...`, waits for PostgreSQL and passes HOST/PORT/USER/PASSWORD as
# --db_host/--db_port/--db_user/--db_password.
FROM odoo:18.0 AS base

USER root
# OCA dependency addons, exactly the versions in oca-requirements.txt, unpacked into an addons folder.
# (--no-deps: the wheels ask for an `odoo` distribution, which the image's Debian-packaged Odoo is not.)
COPY oca-requirements.txt /tmp/oca-requirements.txt
RUN python3 -m pip download --no-deps --disable-pip-version-check -d /tmp/oca-wheels -r /tmp/oca-requirements.txt \
    && mkdir -p /opt/oca-addons /opt/odoo-addons \
    && for whl in /tmp/oca-wheels/*.whl; do python3 -m zipfile -e "$whl" /tmp/oca-unpacked; done \
    && mv /tmp/oca-unpacked/odoo/addons/* /opt/oca-addons/ \
    && rm -rf /tmp/oca-wheels /tmp/oca-unpacked /tmp/oca-requirements.txt

# The addon's Python dependency (__manifest__.py external_dependencies): Swagger UI's files for the docs
# page. --no-deps: its one dependency, Jinja2, is already there as Odoo's Debian package (dpkg-owned).
RUN python3 -m pip install --no-cache-dir --disable-pip-version-check --break-system-packages --no-deps \
        swagger-ui-bundle==1.1.0

# The addons path goes in the config file, not on the command line: Odoo 18 checks every --addons-path
# entry and refuses an empty folder (/mnt/extra-addons, unless something is mounted there), while the
# config file's list is taken as it is. Odoo's own addons are always on the path.
RUN sed -i 's|^addons_path = .*|addons_path = /opt/odoo-addons,/opt/oca-addons,/mnt/extra-addons|' /etc/odoo/odoo.conf \
    && grep -qx 'addons_path = /opt/odoo-addons,/opt/oca-addons,/mnt/extra-addons' /etc/odoo/odoo.conf

# The unpacked OCA addons, for ./run-tests (scripts/run_tests.py) instead of downloading them again.
ENV FSJ_OCA_ADDONS=/opt/oca-addons

# ---------------------------------------------------------------------------------------------------
# The runtime image: the base plus this addon (the repository root is the addon; Odoo names a module
# after its folder). Read-only for the odoo user, which only needs to read it.
FROM base AS runtime
COPY . /opt/odoo-addons/fieldservice_jobs
USER odoo

# ---------------------------------------------------------------------------------------------------
# The test image: the same Odoo plus the test tooling. No browser: Ubuntu noble ships Chromium only as
# a snap, which does not run in a container, so Odoo skips the UI tour here (./run-tests reports it as
# skipped); every other layer runs.
FROM base AS test
USER root
# The tools go into a virtualenv that also sees the system site-packages, so Odoo still imports its
# Debian packages, while a tool that needs a newer version of one of them (schemathesis: typing-extensions)
# gets it in the virtualenv: pip cannot replace dpkg-owned files in the system Python. First on PATH, so
# `python3` (./run-tests) and the Odoo server it starts (`python3 /usr/bin/odoo`) use it.
# poppler-utils: pdftotext reads the service report's PDF in the tests (odoo:18.0 already has the
# wkhtmltopdf that renders it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3-venv poppler-utils \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv --system-site-packages /opt/fsj-test-venv
ENV VIRTUAL_ENV=/opt/fsj-test-venv \
    PATH=/opt/fsj-test-venv/bin:$PATH
# Before the addon is copied, so that editing the code does not reinstall the tools.
COPY test-requirements.txt test-constraints.txt /tmp/fsj-test/
RUN pip install --no-cache-dir --disable-pip-version-check \
        -c /tmp/fsj-test/test-constraints.txt -r /tmp/fsj-test/test-requirements.txt \
    && rm -rf /tmp/fsj-test
COPY --chown=odoo:odoo . /opt/odoo-addons/fieldservice_jobs
# The runner's state (.odoo-test/) lives on a named volume (docker-compose.yml); an empty volume takes
# this folder's owner.
RUN install -d -o odoo -g odoo /opt/odoo-addons/fieldservice_jobs/.odoo-test
USER odoo
WORKDIR /opt/odoo-addons/fieldservice_jobs
ENTRYPOINT []
CMD ["./run-tests"]
