"""The Kubernetes manifests: the generated base is current, both overlays render with
``kubectl kustomize`` and pass a strict schema validation (kubernetes-validate), and the rendered
objects keep the rules: probes, graceful shutdown, non-root, resources, a migration Job per
service database, HPA and PDB per app, no secret values, and network paths only where apps call."""

from __future__ import annotations

import copy
import importlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from hanke_cli.apps import ALL_APPS, SERVICES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"
OVERLAYS = ("development", "production")
# Who calls whom over HTTP (besides the gateway calling every service): hanke_libs.peers.
CALLS = {
    ("budget", "pilots"),
    ("pilots", "participants"),
    ("participants", "pilots"),
    *(("reports", s) for s in ("budget", "pilots", "participants")),
}

Doc = dict[str, Any]


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.skip("kubectl is not installed here (it renders the kustomize overlays): install kubectl")
    return path


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[Doc]:
    done = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / request.param)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_the_base_is_what_the_generator_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(K8S))
    generate = importlib.import_module("generate")
    files = generate.render()
    assert sorted(files) == sorted(p.name for p in (K8S / "base").glob("*.yaml"))
    for name, content in files.items():
        assert (K8S / "base" / name).read_text() == content, (
            f"deploy/k8s/base/{name} is out of date: run deploy/k8s/generate.py"
        )


def test_every_object_passes_strict_schema_validation(rendered: list[Doc]) -> None:
    for doc in rendered:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    # The validator does catch a misspelt field.
    deployment = copy.deepcopy(next(d for d in rendered if d["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_each_app_runs_safely_and_stops_gracefully(rendered: list[Doc]) -> None:
    deployments = of_kind(rendered, "Deployment")
    configs = of_kind(rendered, "ConfigMap")
    assert set(deployments) == {f"hanke-{a.name}" for a in ALL_APPS} | {"hanke-reports-outbox"}
    for app in ALL_APPS:
        pod = deployments[f"hanke-{app.name}"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["command"] == ["hanke"] and container["args"] == ["serve", app.name]
        assert container["startupProbe"]["httpGet"]["path"] == "/livez"
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        # The pause before SIGTERM plus uvicorn's drain fit in the grace period.
        pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
        settings = configs[container["envFrom"][0]["configMapRef"]["name"]]["data"]
        drain = float(settings[f"HANKE_{app.name.upper()}_GRACEFUL_SHUTDOWN_SECONDS"])
        assert pause + drain < pod["terminationGracePeriodSeconds"]
        assert int(settings[f"HANKE_{app.name.upper()}_WORKERS"]) >= 1
        if app.has_database:
            url = next(e for e in container["env"] if e["name"] == f"HANKE_{app.name.upper()}_DATABASE_URL")
            assert url["valueFrom"]["secretKeyRef"]["name"] == f"hanke-{app.name}-database"
            (wait,) = pod["initContainers"]
            assert f"hanke migrate --check {app.name}" in wait["command"][-1]


def test_autoscaler_and_disruption_budget_per_app(rendered: list[Doc]) -> None:
    deployments = {f"hanke-{a.name}": of_kind(rendered, "Deployment")[f"hanke-{a.name}"] for a in ALL_APPS}
    autoscalers, budgets = (
        of_kind(rendered, "HorizontalPodAutoscaler"),
        of_kind(rendered, "PodDisruptionBudget"),
    )
    for name, deployment in deployments.items():
        assert autoscalers[name]["spec"]["scaleTargetRef"]["name"] == name
        assert autoscalers[name]["spec"]["minReplicas"] <= autoscalers[name]["spec"]["maxReplicas"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert budgets[name]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_a_migration_job_per_service_database_and_no_secret_values(rendered: list[Doc]) -> None:
    jobs = of_kind(rendered, "Job")
    assert set(jobs) == {f"hanke-{s.name}-migrate" for s in SERVICES}
    for spec in SERVICES:
        command = jobs[f"hanke-{spec.name}-migrate"]["spec"]["template"]["spec"]["containers"][0]["command"]
        assert f"hanke migrate {spec.name}" in command[-1]
    assert not of_kind(rendered, "Secret")
    for config in of_kind(rendered, "ConfigMap").values():
        for key, value in config.get("data", {}).items():
            assert "PASSWORD" not in key and "SECRET" not in key and "TOKEN" not in key
            assert not re.search(r"://[^/@]*:[^/@]*@", value), (
                f"a password in {config['metadata']['name']}.{key}"
            )
    backup = of_kind(rendered, "CronJob")["hanke-backup"]
    container = backup["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert "hanke backup" in container["command"][-1] and "--keep 14" in container["command"][-1]
    assert {e["name"] for e in container["env"]} == {f"HANKE_{s.name.upper()}_DATABASE_URL" for s in SERVICES}


def _selects(selector: dict[str, Any], pod_labels: dict[str, str]) -> bool:
    return selector.get("matchLabels", {}).items() <= pod_labels.items()


def ingress_allowed(policies: list[Doc], source: dict[str, str], target: dict[str, str]) -> bool:
    """Whether some policy selecting ``target`` lets a pod labelled ``source`` (same namespace) in."""
    for policy in policies:
        spec = policy["spec"]
        if "Ingress" not in spec["policyTypes"] or not _selects(spec["podSelector"], target):
            continue
        for rule in spec.get("ingress", []):
            peers = rule.get("from")
            if peers is None or any(
                "podSelector" in p and "namespaceSelector" not in p and _selects(p["podSelector"], source)
                for p in peers
            ):
                return True
    return False


def test_network_paths_only_where_apps_call_each_other(rendered: list[Doc]) -> None:
    policies = list(of_kind(rendered, "NetworkPolicy").values())
    deny = of_kind(rendered, "NetworkPolicy")["hanke-default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    deployments = of_kind(rendered, "Deployment")
    pods = {
        a.name: deployments[f"hanke-{a.name}"]["spec"]["template"]["metadata"]["labels"] for a in ALL_APPS
    }
    outsider = {"app.kubernetes.io/name": "someone-else"}
    for target in SERVICES:
        assert ingress_allowed(policies, pods["gateway"], pods[target.name]), target.name
        assert not ingress_allowed(policies, outsider, pods[target.name]), target.name
        for source in SERVICES:
            if source.name != target.name:
                expected = (source.name, target.name) in CALLS
                assert ingress_allowed(policies, pods[source.name], pods[target.name]) == expected, (
                    f"{source.name} -> {target.name}"
                )
    # Every pod may resolve names; services may reach PostgreSQL.
    dns = of_kind(rendered, "NetworkPolicy")["hanke-dns"]["spec"]
    assert dns["podSelector"] == {} and {p["port"] for p in dns["egress"][0]["ports"]} == {53}
    for spec in SERVICES:
        egress = of_kind(rendered, "NetworkPolicy")[f"hanke-{spec.name}-egress"]["spec"]["egress"]
        assert any(p["port"] == 5432 for rule in egress for p in rule["ports"])


def test_production_reaches_the_gateway_only_through_the_ingress() -> None:
    done = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / "production")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    docs = [d for d in yaml.safe_load_all(done.stdout) if d]
    ingress = of_kind(docs, "Ingress")["hanke-gateway"]
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "hanke-gateway"
    gateway = of_kind(docs, "NetworkPolicy")["hanke-gateway-ingress"]["spec"]["ingress"][0]["from"]
    namespaces = [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for peer in gateway]
    assert namespaces == ["ingress-nginx", "monitoring"]
    assert all(set(peer) == {"namespaceSelector"} for peer in gateway)  # no pod of the namespace itself
    assert all(d["metadata"].get("namespace", "hanke") == "hanke" for d in docs if d["kind"] != "Namespace")


def test_services_are_told_where_the_services_they_call_are(rendered: list[Doc]) -> None:
    configs = {n.rsplit("-", 1)[0]: c["data"] for n, c in of_kind(rendered, "ConfigMap").items()}
    for caller, called in CALLS:
        assert configs[f"hanke-{caller}-settings"][f"HANKE_{caller.upper()}_{called.upper()}_URL"] == (
            f"http://hanke-{called}"
        )
    for spec in SERVICES:
        assert (
            configs["hanke-gateway-settings"][f"HANKE_GATEWAY_{spec.name.upper()}_URL"]
            == f"http://hanke-{spec.name}"
        )
    outbox = of_kind(rendered, "Deployment")["hanke-reports-outbox"]["spec"]
    (worker,) = outbox["template"]["spec"]["containers"]
    assert worker["command"] + worker["args"] == ["hanke", "report", "outbox"] and outbox["replicas"] == 1
    egress = of_kind(rendered, "NetworkPolicy")["hanke-reports-outbox-egress"]["spec"]["egress"]
    assert {p["port"] for rule in egress for p in rule["ports"]} == {5432, 587, 25}
