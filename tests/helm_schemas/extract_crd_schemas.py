"""Writes the JSON schema of one custom resource from its CustomResourceDefinition.

    python tests/helm_schemas/extract_crd_schemas.py CRD.yaml VERSION "CITATION" > OUT.json

The schema is the CRD's `openAPIV3Schema` for VERSION, made strict the way the API server's
field validation is (an object that lists its properties refuses others unless it says
`x-kubernetes-preserve-unknown-fields`), with `apiVersion` and `kind` pinned and the
descriptions dropped to keep the file small. CITATION names the project, release and file
the CRD came from; it goes into the schema's `$comment`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def strict(node: Any) -> Any:
    """The schema without descriptions, refusing properties it does not list."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict(value) for key, value in node.items() if key != "description"}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def resource_schema(crd: dict[str, Any], version: str, citation: str) -> dict[str, Any]:
    spec = crd["spec"]
    served = next(v for v in spec["versions"] if v["name"] == version)
    schema = strict(served["schema"]["openAPIV3Schema"])
    schema["properties"]["apiVersion"] = {"const": f"{spec['group']}/{version}"}
    schema["properties"]["kind"] = {"const": spec["names"]["kind"]}
    schema["properties"]["metadata"] = {"type": "object"}
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": f"From the CRD {crd['metadata']['name']} ({citation}), "
                        "by tests/helm_schemas/extract_crd_schemas.py.", **schema}


def main(crd_file: str, version: str, citation: str) -> None:
    crd = yaml.safe_load(Path(crd_file).read_text())
    json.dump(resource_schema(crd, version, citation), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
