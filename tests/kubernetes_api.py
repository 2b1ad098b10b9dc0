"""A local HTTP server serving the subset of the Kubernetes API the cluster catalogue reads,
with the response shapes of the Kubernetes API reference: list responses
`{"kind": "<Kind>List", "apiVersion", "metadata": {"resourceVersion", "continue"?}, "items"}`,
`limit` / `continue` paging, `labelSelector`, bearer-token authentication (401) and
`Status` objects for refusals (403 Forbidden). No API server can run on these machines.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.cluster_objects import Object, selector_matches

TOKEN = "test-service-account-token"
# resource -> (API prefix, apiVersion, kind of a list)
RESOURCES = {"namespaces": ("/api/v1", "v1", "NamespaceList"),
             "services": ("/api/v1", "v1", "ServiceList"),
             "configmaps": ("/api/v1", "v1", "ConfigMapList"),
             "deployments": ("/apis/apps/v1", "apps/v1", "DeploymentList")}
LIST_RESOURCE_VERSION = "48213"


@dataclass
class ClusterApi:
    """The objects served, what is refused, and every request's path and query."""

    objects: dict[str, list[Object]]
    forbidden: set[str] = field(default_factory=set)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def route(self, path: str) -> tuple[str, str | None] | None:
        """(resource, namespace or None) of a list path, or None."""
        for resource, (prefix, _, _) in RESOURCES.items():
            if path == f"{prefix}/{resource}":
                return resource, None
            parts = path.removeprefix(f"{prefix}/namespaces/").split("/")
            if (resource != "namespaces" and path.startswith(f"{prefix}/namespaces/")
                    and len(parts) == 2 and parts[1] == resource):
                return resource, parts[0]
        return None

    def listing(self, resource: str, namespace: str | None, query: dict[str, str]
                ) -> tuple[int, Object]:
        if resource in self.forbidden:
            return 403, forbidden_status(resource, namespace)
        items = [o for o in self.objects.get(resource, [])
                 if (namespace is None or o["metadata"].get("namespace") == namespace)
                 and selector_matches(query.get("labelSelector", ""),
                                      o["metadata"].get("labels", {}))]
        start = _offset(query.get("continue"))
        limit = int(query.get("limit") or 0) or len(items)
        page, rest = items[start:start + limit], items[start + limit:]
        _, api_version, kind = RESOURCES[resource]
        metadata: Object = {"resourceVersion": LIST_RESOURCE_VERSION}
        if rest:
            metadata["continue"] = _token(start + limit)
            metadata["remainingItemCount"] = len(rest)
        return 200, {"kind": kind, "apiVersion": api_version, "metadata": metadata,
                     "items": page}


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(
        {"rv": LIST_RESOURCE_VERSION, "start": offset}).encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    return int(json.loads(base64.urlsafe_b64decode(token))["start"])


def status(code: int, reason: str, message: str, details: Object | None = None) -> Object:
    body: Object = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                    "status": "Failure", "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


def forbidden_status(resource: str, namespace: str | None) -> Object:
    group = "apps" if resource == "deployments" else ""
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    return status(403, "Forbidden", (
        f'{resource} is forbidden: User "system:serviceaccount:slo:slo-engine" cannot list '
        f'resource "{resource}" in API group "{group}" {scope}'), {"kind": resource})


def _handler(api: ClusterApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            api.requests.append((url.path, query))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._answer(401, status(401, "Unauthorized", "Unauthorized"))
                return
            route = api.route(url.path)
            if route is None:
                self._answer(404, status(404, "NotFound", "the server could not find the "
                                         "requested resource"))
                return
            self._answer(*api.listing(*route, query))

        def _answer(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read api.requests instead."""

    return Handler


@contextmanager
def serving(objects: dict[str, list[Object]]) -> Iterator[ClusterApi]:
    """The API on a free loopback port until the block ends."""
    api = ClusterApi(objects)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def write_kubeconfig(path: Path, server_url: str, token: str = TOKEN) -> Path:
    """A kubeconfig (clusters, users, contexts) pointing at the local server."""
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "local", "cluster": {"server": server_url}}],
        "users": [{"name": "engine", "user": {"token": token}}],
        "contexts": [{"name": "test", "context": {"cluster": "local", "user": "engine"}}],
        "preferences": {}}))
    return path
