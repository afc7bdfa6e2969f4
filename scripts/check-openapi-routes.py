#!/usr/bin/env python3
"""Checks docs/control-api.openapi.yaml against the route code.

1. Every path in the document is a route the code names: a "/v1/..." path in
   Sources/ControlModel (ControlRoute, SIPRoute, RoutingRoute, SMSRoute, ...) or "/metrics"
   in the Gateway, and each literal segment of it is matched in the Gateway's route code.
2. Lists routes the code names that the document lacks.
3. Every operation has x-simgate-role (monitor|operator|admin), documents 401 and 403, and
   every response it documents is JSON {"error"} for non-2xx.

Exit status 1 when a document path is not in the code or an operation misses something.
Usage: python3 scripts/check-openapi-routes.py [path/to/doc.yaml]
"""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "control-api.openapi.yaml"
MODEL = ROOT / "Sources" / "ControlModel"
ROUTE_FILES = [
    ROOT / "Sources/Gateway/Control/ControlRoutes.swift",
    ROOT / "Sources/Gateway/Control/CallRoutes.swift",
    ROOT / "Sources/Gateway/Control/SMSRoutes.swift",
    ROOT / "Sources/Gateway/SIP/SIPRoutes.swift",
    ROOT / "Sources/Gateway/Routing/RoutingControlRoutes.swift",
    ROOT / "Sources/Gateway/Inbound/InboundRoutes.swift",
]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ROLES = {"monitor", "operator", "admin"}


def shape(path: str) -> str:
    """/v1/modems/{id}/at and /v1/modems/\\(id)/at both become /v1/modems/{}/at."""
    path = re.sub(r"\\\([^)]*\)", "{}", path)
    return re.sub(r"\{[^}]*\}", "{}", path)


def code_routes() -> dict[str, str]:
    routes = {}
    for f in sorted(MODEL.glob("*.swift")):
        for m in re.finditer(r'"(/v1/[^"\s]*)"', f.read_text()):
            routes.setdefault(shape(m.group(1)), f"{f.name}: {m.group(1)}")
    controls = ROUTE_FILES[0].read_text()
    if '"/metrics"' in controls:
        routes["/metrics"] = "ControlRoutes.swift: /metrics"
    return routes


def main() -> int:
    doc = yaml.safe_load(DOC.read_text())
    routes = code_routes()
    gateway = "\n".join(f.read_text() for f in ROUTE_FILES)
    # RoutingControlRoutes matches whole paths by RoutingRoute constant, not by segment.
    model = "\n".join(f.read_text() for f in MODEL.glob("*.swift"))
    constants = dict(re.findall(r"static let (\w+) = \"(/v1/[^\"]*)\"", model.split("enum RoutingRoute", 1)[1].split("}", 1)[0]))
    whole = {constants[name] for name in re.findall(r"RoutingRoute\.(\w+)", gateway) if name in constants}
    whole |= set(re.findall(r'request\.path == "(/[^"]*)"', gateway))
    problems = []

    doc_shapes = {}
    for path, item in doc["paths"].items():
        doc_shapes[shape(path)] = path
        if shape(path) not in routes:
            problems.append(f"{path}: in the document, not named in the route code")
        for segment in ([] if path in whole else path.strip("/").split("/")):
            if not segment.startswith("{") and f'"{segment}"' not in gateway:
                problems.append(f"{path}: segment {segment!r} appears nowhere in the route code")
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            role = op.get("x-simgate-role")
            if role not in ROLES:
                problems.append(f"{where}: x-simgate-role is {role!r}")
            responses = op.get("responses", {})
            for status in ("401", "403"):
                if status not in responses:
                    problems.append(f"{where}: no {status}")
            for status, response in responses.items():
                if status.startswith("2"):
                    continue
                ref = response.get("$ref")
                if ref:
                    response = doc["components"]["responses"][ref.rsplit("/", 1)[1]]
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if schema.get("$ref") != "#/components/schemas/Error":
                    problems.append(f"{where}: {status} is not the Error schema")

    missing = [f"{shape_} ({source})" for shape_, source in sorted(routes.items()) if shape_ not in doc_shapes]
    operations = sum(1 for item in doc["paths"].values() for m in item if m in METHODS)
    print(f"{len(doc['paths'])} paths, {operations} operations in {DOC.relative_to(ROOT) if DOC.is_relative_to(ROOT) else DOC}")
    for p in problems:
        print("PROBLEM:", p)
    if missing:
        print("Named in the code but not documented:")
        for m in missing:
            print("  ", m)
    if not problems:
        print("every documented path is a route the code names; every operation has a role, 401, 403 and Error bodies")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
