"""PEP 517 build backend: whool, with the addon's own files only.

whool packages every git-tracked file of the addon folder ("all the files that are under git
control", whool's README) and has no option to leave some out. This repository's root is the addon
and also holds the test harness, the benchmarks, CI and the container files, which are not part of
the addon. This backend is whool's, except that after whool has copied the addon into the wheel (or
the sdist) it removes the paths that ``[tool.addon-wheel] exclude`` in pyproject.toml names:
fnmatch patterns on paths relative to the addon, a pattern ending in "/" naming a folder. An sdist
keeps this folder (build_backend/), so that a wheel can be built from it.

Check with: pip wheel --no-deps -w /tmp/wheel <a clone of this repository in a folder named
fieldservice_jobs>, then list the wheel.
"""

import fnmatch
import shutil
from pathlib import Path

from whool import buildapi as _whool
from whool.buildapi import (  # noqa: F401 - the PEP 517 hooks this backend offers
    build_editable,
    build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)
from whool.utils import load_pyproject_toml

_whool_copy_to = getattr(_whool, "_copy_to", None)
if _whool_copy_to is None:  # whool changed its internals: see the version bound in pyproject.toml
    raise ImportError("whool.buildapi._copy_to is gone; adapt build_backend/addon_wheel.py")


def _exclude_patterns(addon_dir):
    config = load_pyproject_toml(Path(addon_dir)).get("tool", {}).get("addon-wheel", {})
    return list(config.get("exclude", []))


def _is_excluded(rel_path, is_dir, patterns):
    for pattern in patterns:
        if pattern.endswith("/"):
            if is_dir and fnmatch.fnmatch(rel_path, pattern[:-1]):
                return True
        elif fnmatch.fnmatch(rel_path, pattern):
            return True
    return False


BACKEND_DIR = Path(__file__).resolve().parent.name
_keep = set()  # top-level paths kept whatever the patterns say


def _copy_addon_only(addon_dir, dst):
    _whool_copy_to(addon_dir, dst)
    patterns = _exclude_patterns(addon_dir)
    # top-down, so that a removed folder is not walked into
    pending = [dst]
    while pending:
        folder = pending.pop()
        for path in sorted(folder.iterdir()):
            rel_path = path.relative_to(dst).as_posix()
            is_dir = path.is_dir() and not path.is_symlink()
            if rel_path not in _keep and _is_excluded(rel_path, is_dir, patterns):
                if is_dir:
                    shutil.rmtree(path)
                else:
                    path.unlink()
            elif is_dir:
                pending.append(path)


_whool._copy_to = _copy_addon_only


def build_sdist(sdist_directory, config_settings=None):
    _keep.add(BACKEND_DIR)
    try:
        return _whool.build_sdist(sdist_directory, config_settings)
    finally:
        _keep.discard(BACKEND_DIR)
