"""Imports point one way: controllers/ -> restapi/ -> models/ (restapi/ and controllers/ reach models
through env[...]); models/ never import restapi/ or controllers/; ModelApi names no model."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMPORT_RE = re.compile(r"^\s*(?:from|import)\s+(\S+)", re.MULTILINE)


def _imports(folder):
    for path in sorted((ROOT / folder).glob("*.py")):
        for target in IMPORT_RE.findall(path.read_text()):
            yield path.relative_to(ROOT), target


def _refused(folder, layers):
    bad = []
    for path, target in _imports(folder):
        for layer in layers:
            if target.startswith((f"..{layer}", f"odoo.addons.fieldservice_jobs.{layer}")):
                bad.append(f"{path} imports {target}")
    return bad


def test_models_import_no_upper_layer():
    assert _refused("models", ("restapi", "controllers")) == []


def test_restapi_and_controllers_reach_models_through_the_registry():
    assert _refused("restapi", ("models", "controllers")) == []
    assert _refused("controllers", ("models",)) == []


def test_model_api_is_generic():
    service = (ROOT / "restapi" / "service.py").read_text()
    assert not re.search(r"""self\.name\s*==\s*["']""", service), "a model-specific branch in ModelApi"
    assert "fsm.order" not in service.split("def dashboard(")[0], "ModelApi names a model"
