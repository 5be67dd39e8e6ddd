"""The resources of one app in the kustomize base: what ``generate.py`` writes per app.

Every app gets the same shape: a Deployment running ``hanke serve <app>`` (probes on ``/livez`` and
``/readyz``, a preStop pause before uvicorn's graceful shutdown, non-root with a read-only root
file system), a Service, a HorizontalPodAutoscaler, a PodDisruptionBudget and a settings
ConfigMap; a service with a database also a migration Job, and its pods wait for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hanke_cli.apps import GATEWAY, SERVICES, AppSpec

PORT = 8000  # every app listens on the same port in its own pod
IMAGE = "hanke"
USER_ID = 10001  # the image's user (Dockerfile)
PART_OF = {"app.kubernetes.io/part-of": "hanke"}
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}  # Prometheus and the OTLP collector


@dataclass(frozen=True)
class Background:
    """A worker process of a service that serves no HTTP (one replica, no Service)."""

    service: str
    name: str
    args: tuple[str, ...]
    ports: tuple[int, ...] = ()  # egress it needs besides PostgreSQL


# The reports service's reminder delivery (e-mail over SMTP submission).
BACKGROUND = [Background("reports", "outbox", ("report", "outbox"), ports=(587, 25))]
# Which services each service calls over HTTP (hanke_libs.peers, the reports' drafting); the
# gateway calls all. Each gets HANKE_<SERVICE>_<PEER>_URL and a NetworkPolicy path to the peer.
CALLS: dict[str, list[str]] = {
    "budget": ["pilots"],
    "pilots": ["participants"],
    "participants": ["pilots"],
    "reports": ["budget", "pilots", "participants"],
}


def labels(app: str, component: str = "server") -> dict[str, str]:
    return {"app.kubernetes.io/name": app, "app.kubernetes.io/component": component, **PART_OF}


def selector(app: str, component: str = "server") -> dict[str, str]:
    return {"app.kubernetes.io/name": app, "app.kubernetes.io/component": component}


def name(app: str) -> str:
    return f"hanke-{app}"


def prefix(spec: AppSpec) -> str:
    return f"HANKE_{spec.name.upper()}_"


POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": USER_ID,
    "runAsGroup": USER_ID,
    "fsGroup": USER_ID,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
WRITABLE_CACHES = [
    {"name": "XDG_CACHE_HOME", "value": "/tmp/cache"},
    {"name": "MPLCONFIGDIR", "value": "/tmp/matplotlib"},
]
TMP_VOLUME = {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}
TMP_MOUNT = {"name": "tmp", "mountPath": "/tmp"}


def env(spec: AppSpec) -> list[dict[str, Any]]:
    """Settings that are not in the app's ConfigMap: the identity provider's, and the secrets."""
    p = prefix(spec)
    identity = [
        {
            "name": f"{p}OIDC_ISSUER",
            "valueFrom": {"configMapKeyRef": {"name": "hanke-identity", "key": "issuer"}},
        },
        {
            "name": f"{p}OIDC_JWKS_URL",
            "valueFrom": {"configMapKeyRef": {"name": "hanke-identity", "key": "jwks_url"}},
        },
        {
            "name": f"{p}JWT_AUDIENCE",
            "valueFrom": {"configMapKeyRef": {"name": "hanke-identity", "key": "audience"}},
        },
        {
            "name": f"{p}METRICS_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "hanke-metrics", "key": "token", "optional": True}},
        },
    ]
    if spec.has_database:
        identity.insert(0, database_env(spec))
    return identity


def database_env(spec: AppSpec) -> dict[str, Any]:
    return {
        "name": f"{prefix(spec)}DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": f"{name(spec.name)}-database", "key": "url"}},
    }


def settings_literals(spec: AppSpec) -> list[str]:
    p = prefix(spec)
    values = [
        f"{p}ENVIRONMENT=production",
        f"{p}HOST=0.0.0.0",
        f"{p}PORT={PORT}",
        f"{p}WORKERS=2",
        f"{p}GRACEFUL_SHUTDOWN_SECONDS=20",
        f"{p}LOG_JSON=true",
        f"{p}LOG_LEVEL=INFO",
    ]
    if spec.has_database:
        values.append(f"{p}DB_PGBOUNCER=false")
    if spec is GATEWAY:
        values += [f"{p}{s.name.upper()}_URL=http://{name(s.name)}" for s in SERVICES]
    else:
        values += [f"{p}{peer.upper()}_URL=http://{name(peer)}" for peer in CALLS.get(spec.name, [])]
    if spec.name == "reports":  # its documents' links: the public address (the overlays set it)
        values.append(f"{p}GATEWAY_BASE_URL=http://{name(GATEWAY.name)}")
    return values


def container(spec: AppSpec) -> dict[str, Any]:
    probe = {"httpGet": {"path": "/livez", "port": "http"}, "timeoutSeconds": 3}
    return {
        "name": spec.name,
        "image": IMAGE,
        "command": ["hanke"],
        "args": ["serve", spec.name],
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": f"{name(spec.name)}-settings"}}],
        # The workers' metric samples (hanke serve keeps them in <dir>/<app>, emptied at start), and
        # caches (matplotlib's font cache for the reports' charts) on /tmp: the root is read-only.
        "env": [
            *env(spec),
            {"name": "PROMETHEUS_MULTIPROC_DIR", "value": "/tmp/metrics"},
            *WRITABLE_CACHES,
        ],
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 60},
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        # Endpoints are removed while the pod sleeps; then uvicorn drains for GRACEFUL_SHUTDOWN_SECONDS.
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [TMP_MOUNT],
    }


def wait_for_migrations(spec: AppSpec) -> dict[str, Any]:
    """An init container that waits until the migration Job has brought the database to the head."""
    return {
        "name": "wait-for-migrations",
        "image": IMAGE,
        "command": ["sh", "-c", f"until hanke migrate --check {spec.name}; do sleep 3; done"],
        "envFrom": [{"configMapRef": {"name": f"{name(spec.name)}-settings"}}],
        "env": env(spec),
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [TMP_MOUNT],
    }


def deployment(spec: AppSpec) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": POD_SECURITY,
        "terminationGracePeriodSeconds": 30,
        "containers": [container(spec)],
        "volumes": [TMP_VOLUME],
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector(spec.name)},
            }
        ],
    }
    if spec.has_database:
        pod["initContainers"] = [wait_for_migrations(spec)]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name(spec.name), "labels": labels(spec.name)},
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(spec.name)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": labels(spec.name)}, "spec": pod},
        },
    }


def background(worker: Background) -> dict[str, Any]:
    """The Deployment of a service's background worker (same image, settings and secrets)."""
    spec = next(s for s in SERVICES if s.name == worker.service)
    main = container(spec)
    worker_container = {
        "name": worker.name,
        "image": IMAGE,
        "command": ["hanke"],
        "args": list(worker.args),
        "envFrom": main["envFrom"],
        "env": [*env(spec), *WRITABLE_CACHES],
        "resources": {"requests": {"cpu": "50m", "memory": "192Mi"}, "limits": {"memory": "384Mi"}},
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [TMP_MOUNT],
    }
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": POD_SECURITY,
        "terminationGracePeriodSeconds": 30,
        "initContainers": [wait_for_migrations(spec)],
        "containers": [worker_container],
        "volumes": [TMP_VOLUME],
    }
    worker_labels = labels(worker.service, worker.name)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{name(worker.service)}-{worker.name}", "labels": worker_labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector(worker.service, worker.name)},
            "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": worker_labels}, "spec": pod},
        },
    }


def service(spec: AppSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name(spec.name), "labels": labels(spec.name)},
        "spec": {
            "type": "ClusterIP",
            "selector": selector(spec.name),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def autoscaler(spec: AppSpec) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name(spec.name), "labels": labels(spec.name)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name(spec.name)},
            "minReplicas": 2,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def disruption_budget(spec: AppSpec) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name(spec.name), "labels": labels(spec.name)},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": selector(spec.name)}},
    }


def migration_job(spec: AppSpec) -> dict[str, Any]:
    command = f"hanke migrate {spec.name} && hanke seed {spec.name}"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"{name(spec.name)}-migrate", "labels": labels(spec.name, "migrate")},
        "spec": {
            "backoffLimit": 6,
            "ttlSecondsAfterFinished": 3600,
            "template": {
                "metadata": {"labels": labels(spec.name, "migrate")},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "securityContext": POD_SECURITY,
                    "containers": [
                        {
                            "name": "migrate",
                            "image": IMAGE,
                            "command": ["sh", "-c", command],
                            "envFrom": [{"configMapRef": {"name": f"{name(spec.name)}-settings"}}],
                            "env": env(spec),
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "256Mi"},
                                "limits": {"memory": "512Mi"},
                            },
                            "securityContext": CONTAINER_SECURITY,
                            "volumeMounts": [TMP_MOUNT],
                        }
                    ],
                    "volumes": [TMP_VOLUME],
                },
            },
        },
    }
