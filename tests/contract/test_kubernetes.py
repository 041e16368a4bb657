"""deploy/k8s validates offline against the Kubernetes JSON schemas (kubernetes-validate ships them, strict: an
unknown field fails too), every file is in its kustomization, and the rendered overlay keeps the promises of
deploy/README.md: replicas, probes, limits, non-root read-only containers, autoscalers, migration Jobs, an Ingress.

Rendering: `kubectl kustomize` where kubectl is installed; everywhere, a small renderer below that handles exactly
the kustomize features the files use (and fails on any other, so none is silently ignored)."""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml

from tests.contract.settings_names import settings_classes, variable_names
from tests.support import REPO

K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "production"
# The oldest Kubernetes release still maintained when this was written; the manifests use nothing newer.
KUBERNETES_VERSION = "1.32.0"
RENDERER_FEATURES = {"apiVersion", "kind", "resources", "namespace", "images", "replicas", "labels"}
# kubernetes-validate (1.37.0, pinned) parses its large definitions file again for every resource; parsed once,
# the ~90 validations here take a quarter of the time. The validation itself is unchanged.
kubernetes_validate.utils.schema_contents = functools.cache(kubernetes_validate.utils.schema_contents)
API_SERVICES = ["identity", "submissions", "evidence", "scoring", "notifications", "gateway"]
SERVICES_WITH_MIGRATIONS = sorted(p.parent.name for p in (REPO / "services").glob("*/alembic.ini"))


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render(folder: Path) -> list[dict[str, Any]]:
    """What `kustomize build folder` gives, for the features in RENDERER_FEATURES."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(kustomization) <= RENDERER_FEATURES, set(kustomization) - RENDERER_FEATURES
    resources: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = (folder / entry).resolve()
        resources += render(path) if path.is_dir() else copy.deepcopy(documents(path))
    for label in kustomization.get("labels", []):
        assert set(label) == {"pairs"}, "only metadata labels are rendered here"
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(label["pairs"])
    if namespace := kustomization.get("namespace"):
        for resource in resources:
            if resource["kind"] != "Namespace":
                resource["metadata"]["namespace"] = namespace
    images = {image["name"]: image for image in kustomization.get("images", [])}
    for resource in resources:
        for container in _containers(resource):
            name, _, _tag = container["image"].partition(":")
            if name in images:
                container["image"] = f"{images[name].get('newName', name)}:{images[name]['newTag']}"
    counts = {replica["name"]: replica["count"] for replica in kustomization.get("replicas", [])}
    for resource in resources:
        if resource["kind"] == "Deployment" and resource["metadata"]["name"] in counts:
            resource["spec"]["replicas"] = counts.pop(resource["metadata"]["name"])
    assert counts == {}, f"replicas for unknown Deployments: {counts}"
    return resources


def _containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    pod = resource.get("spec", {}).get("template", {}).get("spec", {})
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def by_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


RENDERED = render(OVERLAY)


def test_every_manifest_file_validates_against_the_schemas() -> None:
    files = sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")
    assert len(files) >= 10
    for path in files:
        for doc in documents(path):
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_rendered_overlay_validates_against_the_schemas() -> None:
    for resource in RENDERED:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("broken", ["replicas as text", "probe without port", "unknown field"])
def test_an_invalid_manifest_is_refused(broken: str) -> None:
    deployment = copy.deepcopy(by_kind(RENDERED, "Deployment")["identity"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    if broken == "replicas as text":
        deployment["spec"]["replicas"] = "two"
    elif broken == "probe without port":
        del container["readinessProbe"]["httpGet"]["port"]
    else:
        container["readinessProbes"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_each_kustomization_lists_exactly_the_files_beside_it() -> None:
    for folder in (BASE, OVERLAY):
        listed = {entry for entry in yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
                  if not entry.startswith("..")}
        present = {p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml"}
        assert listed == present, folder


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with its built-in kustomize) not installed")
def test_kubectl_kustomize_renders_what_the_small_renderer_renders() -> None:
    result = subprocess.run(["kubectl", "kustomize", str(OVERLAY)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    for resource in rendered:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)

    def key(resources: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
        return sorted((r["kind"], r["metadata"]["name"], r["metadata"].get("namespace")) for r in resources)

    assert key(rendered) == key(RENDERED)
    images = {r["metadata"]["name"]: [c["image"] for c in _containers(r)] for r in rendered if _containers(r)}
    assert images == {r["metadata"]["name"]: [c["image"] for c in _containers(r)] for r in RENDERED if _containers(r)}


def test_every_service_runs_replicated_probed_limited_and_non_root() -> None:
    deployments = by_kind(RENDERED, "Deployment")
    assert set(deployments) == {*API_SERVICES, "notifications-worker"}
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        assert spec["replicas"] >= 2, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert container["image"].startswith("registry.example.vn/edudx/"), name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"], name
            # A read-only root still needs a writable /tmp.
            assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"]), name
            if name in API_SERVICES:
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name


def test_every_api_service_has_a_service_and_an_autoscaler() -> None:
    services, autoscalers = by_kind(RENDERED, "Service"), by_kind(RENDERED, "HorizontalPodAutoscaler")
    deployments = by_kind(RENDERED, "Deployment")
    for name in API_SERVICES:
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert services[name]["spec"]["selector"].items() <= pod_labels.items(), name
        target = autoscalers[name]["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert autoscalers[name]["spec"]["minReplicas"] >= 2


def test_the_api_pods_leave_reminders_to_the_workers() -> None:
    config = by_kind(RENDERED, "ConfigMap")["edudx-config"]["data"]
    worker = by_kind(RENDERED, "Deployment")["notifications-worker"]["spec"]["template"]["spec"]["containers"][0]

    assert config["NOTIFICATIONS_RUN_WORKERS"] == "false"
    assert worker["command"] == ["python", "-m", "notifications.cli", "worker"]


def test_a_migration_job_per_service_with_migrations() -> None:
    jobs = by_kind(RENDERED, "Job")
    assert set(jobs) == {f"{name}-migrate" for name in SERVICES_WITH_MIGRATIONS}
    for name in SERVICES_WITH_MIGRATIONS:
        container = jobs[f"{name}-migrate"]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["alembic", "-c", f"services/{name}/alembic.ini", "upgrade", "head"]
        assert container["image"].endswith(f"/edudx/{name}:1.0.0")


def test_the_ingress_leads_to_the_gateway() -> None:
    ingress = by_kind(RENDERED, "Ingress")["gateway"]
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends == [{"name": "gateway", "port": {"name": "http"}}]
    assert "http" in [p["name"] for p in by_kind(RENDERED, "Service")["gateway"]["spec"]["ports"]]


def test_config_and_secrets_hold_real_setting_names_and_only_placeholder_secrets() -> None:
    known = {name for settings in settings_classes().values() for name in variable_names(settings)}
    config = by_kind(RENDERED, "ConfigMap")["edudx-config"]["data"]
    secret = by_kind(RENDERED, "Secret")["edudx-secrets"]["stringData"]

    assert set(config) - known == set()
    assert set(secret) - known == set()
    assert set(config) & set(secret) == set()
    for name, value in secret.items():
        assert "change-me" in value or "REPLACE-ME" in value, name
    referenced = {ref[kind]["name"] for r in RENDERED for c in _containers(r) for ref in c.get("envFrom", [])
                  for kind in ("configMapRef", "secretRef") if kind in ref}
    assert referenced == {"edudx-config", "edudx-secrets"}


def test_the_gateway_and_identity_replicas_share_their_limits_in_redis() -> None:
    secret = by_kind(RENDERED, "Secret")["edudx-secrets"]["stringData"]
    deployments = by_kind(RENDERED, "Deployment")

    for service in ("gateway", "identity"):
        assert secret[f"{service.upper()}_REDIS_URL"].startswith("redis://"), service
        assert deployments[service]["spec"]["replicas"] >= 2, service  # the reason it is needed


def test_a_drain_takes_at_most_one_pod_of_each_deployment() -> None:
    budgets = by_kind(RENDERED, "PodDisruptionBudget")
    for name, deployment in by_kind(RENDERED, "Deployment").items():
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert budgets[name]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(), name
        assert budgets[name]["spec"]["maxUnavailable"] == 1, name
