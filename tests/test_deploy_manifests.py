"""deploy/: the Kubernetes manifests validate against the Kubernetes JSON
schemas (kubernetes-validate, which bundles them, so this runs offline), hold
the security and scaling settings docs/deploy.md promises, and the Dockerfile
passes hadolint. Nothing here needs a cluster or a Docker engine; docs/deploy.md
says what was run and what only validated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from servers import ROOT

K8S = ROOT / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))
#: The newest Kubernetes whose schemas kubernetes-validate bundles.
KUBERNETES = kubernetes_validate.latest_version()


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(path: Path) -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in documents(path)}


def test_there_is_a_manifest_per_server() -> None:
    assert [p.name for p in MANIFESTS] == ["fastwasm-server.yaml", "fastwasm.yaml"]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_document_is_valid_kubernetes(path: Path) -> None:
    kinds = []
    for doc in documents(path):
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        kinds.append(doc["kind"])
    assert sorted(kinds) == ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service"]


def test_the_validator_refuses_a_broken_manifest() -> None:
    deployment = by_kind(K8S / "fastwasm.yaml")["Deployment"]
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)
    unknown = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(unknown, KUBERNETES, strict=True)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_pods_are_locked_down_probed_bounded_and_scraped(path: Path) -> None:
    docs = by_kind(path)
    pod = docs["Deployment"]["spec"]["template"]
    spec = pod["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    (container,) = spec["containers"]
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    # The read-only root needs the compiled-module cache on a writable volume.
    env = {e["name"]: e["value"] for e in container["env"]}
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert env["FASTWASM_CACHE_DIR"] in mounts
    assert env["FASTWASM_KERNELS_DIR"] in mounts
    hpa = docs["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == docs["Deployment"]["metadata"]["name"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    assert docs["PodDisruptionBudget"]["spec"]["selector"] == docs["Deployment"]["spec"]["selector"]
    assert docs["Service"]["spec"]["selector"] == docs["Deployment"]["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_the_settings_of_a_pod_are_valid_for_both_servers(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastwasm.api.settings import Settings
    from servers import FASTWASM_SERVER

    docs = by_kind(path)
    (container,) = docs["Deployment"]["spec"]["template"]["spec"]["containers"]
    env = {**docs["ConfigMap"]["data"], **{e["name"]: e["value"] for e in container["env"]}}
    known = {f"FASTWASM_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= known, set(env) - known
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Settings()  # raises on an invalid value
    run = subprocess.run([str(FASTWASM_SERVER), "--print-settings"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    run = subprocess.run([str(hadolint), str(ROOT / "deploy" / "Dockerfile")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
