"""The NetworkPolicies and the backup CronJob of the kustomize base (written by ``generate.py``).

Traffic is denied unless a policy allows it. Allowed: callers (the ingress controller) to the
gateway; the gateway to every service; a service to the services it asks for facts (``CALLS``);
Prometheus (the ``monitoring`` namespace) to every app's ``/metrics``; the apps to the OTLP
collector there and to the identity provider over HTTPS; services, migrations and backups to
PostgreSQL; every pod to the cluster DNS.
"""

from __future__ import annotations

from typing import Any

from manifests import (
    BACKGROUND,
    CALLS,
    CONTAINER_SECURITY,
    IMAGE,
    MONITORING,
    PART_OF,
    POD_SECURITY,
    PORT,
    TMP_MOUNT,
    TMP_VOLUME,
    database_env,
    labels,
    name,
    selector,
)

from hanke_cli.apps import GATEWAY, SERVICES

BACKUP_SCHEDULE = "30 2 * * *"  # daily at 02:30
BACKUPS_KEPT = 14


def _policy(policy_name: str, pod_selector: dict[str, Any], **rules: Any) -> dict[str, Any]:
    types = [t for t, key in (("Ingress", "ingress"), ("Egress", "egress")) if key in rules]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": policy_name, "labels": dict(PART_OF)},
        "spec": {"podSelector": pod_selector, "policyTypes": types, **rules},
    }


def _http(*peers: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"ports": [{"protocol": "TCP", "port": PORT}]}
    if peers:
        rule["from"] = list(peers)
    return rule


def _to(port: int, *peers: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"ports": [{"protocol": "TCP", "port": port}]}
    if peers:
        rule["to"] = list(peers)
    return rule


def _pods(app: str) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": selector(app)}}


MONITORING_NAMESPACE = {"namespaceSelector": {"matchLabels": MONITORING}}
POSTGRES = _to(5432)  # anywhere: an overlay narrows it to the database's address (ipBlock)
HTTPS = _to(443)  # the identity provider's JWKS
OTLP = _to(4318, MONITORING_NAMESPACE)


def callers_of(service: str) -> list[str]:
    return sorted(caller for caller, called in CALLS.items() if service in called)


def network_policies() -> list[dict[str, Any]]:
    everything: dict[str, Any] = {}
    dns = {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    policies = [
        _policy("hanke-default-deny", everything, ingress=[], egress=[]),
        _policy("hanke-dns", everything, egress=[dns]),
        _policy("hanke-gateway-ingress", {"matchLabels": selector(GATEWAY.name)}, ingress=[_http()]),
        _policy(
            "hanke-gateway-egress",
            {"matchLabels": selector(GATEWAY.name)},
            egress=[_to(PORT, *(_pods(s.name) for s in SERVICES)), HTTPS, OTLP],
        ),
    ]
    for spec in SERVICES:
        allowed = [_pods(GATEWAY.name), *(_pods(c) for c in callers_of(spec.name)), MONITORING_NAMESPACE]
        policies.append(
            _policy(
                f"{name(spec.name)}-ingress", {"matchLabels": selector(spec.name)}, ingress=[_http(*allowed)]
            )
        )
        egress = [POSTGRES, HTTPS, OTLP]
        if CALLS.get(spec.name):
            egress.insert(1, _to(PORT, *(_pods(c) for c in CALLS[spec.name])))
        policies.append(
            _policy(f"{name(spec.name)}-egress", {"matchLabels": selector(spec.name)}, egress=egress)
        )
    for component in ("migrate", "backup"):
        pods = {"matchLabels": {"app.kubernetes.io/component": component, **PART_OF}}
        policies.append(_policy(f"hanke-{component}-egress", pods, egress=[POSTGRES]))
    for worker in BACKGROUND:
        pods = {"matchLabels": selector(worker.service, worker.name)}
        egress = [POSTGRES, *(_to(port) for port in worker.ports)]
        policies.append(_policy(f"hanke-{worker.service}-{worker.name}-egress", pods, egress=egress))
    return policies


def backup_resources() -> list[dict[str, Any]]:
    """A daily ``hanke backup`` of every service database onto a volume, keeping the newest 14."""
    command = f'hanke backup --out "/backups/hanke-$(date -u +%Y%m%dT%H%M%SZ)" --keep {BACKUPS_KEPT}'
    backup_labels = labels("backup", "backup")
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "hanke-backups", "labels": backup_labels},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
    }
    pod = {
        "restartPolicy": "OnFailure",
        "automountServiceAccountToken": False,
        "securityContext": POD_SECURITY,
        "containers": [
            {
                "name": "backup",
                "image": IMAGE,
                "command": ["sh", "-c", command],
                "env": [database_env(spec) for spec in SERVICES],
                "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
                "securityContext": CONTAINER_SECURITY,
                "volumeMounts": [TMP_MOUNT, {"name": "backups", "mountPath": "/backups"}],
            }
        ],
        "volumes": [TMP_VOLUME, {"name": "backups", "persistentVolumeClaim": {"claimName": "hanke-backups"}}],
    }
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "hanke-backup", "labels": backup_labels},
        "spec": {
            "schedule": BACKUP_SCHEDULE,
            "timeZone": "Europe/Helsinki",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "template": {"metadata": {"labels": backup_labels}, "spec": pod},
                }
            },
        },
    }
    return [claim, cron]
