"""Where the Kubernetes API is and what of the cluster to read: the settings of the
cluster catalogue (adapters/kubernetes_catalogue.py), apart from it so that reading
settings does not import the Kubernetes client."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ClusterAccess:
    """Where the cluster is and what of it to read (settings kubernetes_*)."""

    kubeconfig: Path | None = None  # None: the pod's service account (in-cluster)
    context: str | None = None
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    label_selector: str = ""  # on Services and Deployments
    config_map_selector: str | None = None  # None: ConfigMaps are not read
    page_size: int = 500
    timeout_seconds: float = 10.0
