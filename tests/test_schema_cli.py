"""`evalkit schema` prints JSON Schema; the committed copies editors use are current."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import REPO, evalkit, read_yaml


@pytest.mark.parametrize("kind", ["suite", "vendor", "criteria", "attestation"])
def test_committed_schema_is_current(kind):
    proc = evalkit("schema", kind)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    committed = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert printed == committed, f"run: python -m evalkit schema {kind} > schemas/{kind}.schema.json"


def test_repo_files_conform_to_the_printed_schemas():
    schemas = {k: json.loads(evalkit("schema", k).stdout) for k in ("suite", "vendor", "criteria", "attestation")}
    # one validator per schema, the schema itself checked once (jsonschema.validate checks it again for every
    # file: most of this test's time with 58 suite files)
    validators = {}
    for kind, schema in schemas.items():
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validators[kind] = cls(schema)
    validators["criteria"].validate(read_yaml((REPO / "suites" / "criteria.yaml").read_text(encoding="utf-8")))
    for path in (REPO / "vendors").glob("*.yaml"):
        validators["vendor"].validate(read_yaml(path.read_text(encoding="utf-8")))
    for path in (REPO / "suites").rglob("*.yaml"):
        if path.name != "criteria.yaml":
            kind = "attestation" if "attestation" in path.parent.parts else "suite"
            validators[kind].validate(read_yaml(path.read_text(encoding="utf-8")))


def test_schema_rejects_an_unknown_key():
    schema = json.loads(evalkit("schema", "vendor").stdout)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "name": "X", "provider": "reference", "model": "echo", "api_key": "k"}, schema)


def test_every_repo_file_declares_its_schema_for_editors():
    for path in [*(REPO / "vendors").glob("*.yaml"), *(REPO / "suites").rglob("*.yaml")]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
