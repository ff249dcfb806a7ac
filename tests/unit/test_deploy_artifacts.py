"""The deployment artefacts in deploy/ (Containerfile, compose stack, HAProxy, Kubernetes) and the
guide, checked statically: no container engine runs on the build machine (see tests/README.md).
Every GNIST_* variable they set is a real setting, every file the image copies exists, the YAML
parses, and the pieces a rolling upgrade relies on are in place."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from assistant.settings import REPO_ROOT, Settings

DEPLOY = REPO_ROOT / "deploy"
VARIABLE = re.compile(r"\bGNIST_[A-Z0-9_]+\b")
# Named in the guide as a pattern, not a variable.
NOT_SETTINGS = {"GNIST_"}


def setting_names() -> set[str]:
    names = set()
    for name, _field in Settings.model_fields.items():
        names.add(f"GNIST_{name.upper()}")
    return names


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def kubernetes() -> list[dict]:
    return [doc for doc in yaml.safe_load_all((DEPLOY / "kubernetes" / "gnist.yaml").read_text(encoding="utf-8"))
            if doc]


@pytest.mark.parametrize("path", ["deploy/Containerfile", "deploy/compose.yaml", "deploy/kubernetes/gnist.yaml",
                                  "deploy/haproxy.cfg", "docs/deploy.md", "README.md"])
def test_every_gnist_variable_is_a_setting(path):
    used = set(VARIABLE.findall((REPO_ROOT / path).read_text(encoding="utf-8"))) - NOT_SETTINGS
    assert used - setting_names() == set(), f"{path} sets variables that Settings does not read"


def test_the_containerfile_copies_files_that_exist_and_runs_as_a_user():
    lines = (DEPLOY / "Containerfile").read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    stages = [line.split()[-1] for line in lines if line.startswith("FROM ")]
    # multi-stage: no build tools or caches in what runs; «vectors» is the optional vector cache
    assert stages == ["vectors", "build", "runtime"]
    for line in lines:
        if line.startswith("COPY ") and "--from=" not in line:
            *sources, _target = shlex.split(line)[1:]
            for source in sources:
                assert (REPO_ROOT / source).exists(), source
    user = [line for line in lines if line.startswith("USER ")]
    assert user and not user[-1].split()[1].startswith(("0", "root"))
    base = next(line for line in lines if line.startswith("ARG PYTHON_IMAGE="))
    assert re.search(r":\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?$", base), "the base image is pinned"
    assert any("assistant.cli ingest" in line for line in lines), "the index is built into the image"


def test_the_compose_stack_migrates_once_then_runs_two_sticky_checked_replicas():
    stack = compose()["services"]
    assert {"postgres", "chroma", "migrate", "app1", "app2", "haproxy"} <= set(stack)
    assert "gnist db upgrade" in " ".join(stack["migrate"]["command"])
    for name in ("app1", "app2"):
        environment = stack[name]["environment"]
        assert environment["GNIST_MIGRATE_ON_START"] == "false" and environment["GNIST_METRICS_PORT"]
        assert stack[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert stack["app1"]["volumes"] != stack["app2"]["volumes"]  # a scratch data dir each
    mounted = stack["haproxy"]["volumes"][0].split(":")[0]
    haproxy = (DEPLOY / mounted).read_text(encoding="utf-8")
    assert "option httpchk GET /readyz" in haproxy and "cookie GNISTSRV insert" in haproxy
    assert "unique-id-header X-Request-ID" in haproxy
    assert all(f"server {name} {name}:7860 check cookie {name}" in haproxy for name in ("app1", "app2"))


def test_the_kubernetes_deployment_has_probes_and_a_migration_job():
    documents = {doc["kind"]: doc for doc in kubernetes()}
    assert {"ConfigMap", "Job", "Deployment", "Service", "Ingress"} <= set(documents)
    container = documents["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert documents["Deployment"]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert documents["Deployment"]["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert documents["ConfigMap"]["data"]["GNIST_MIGRATE_ON_START"] == "false"
    job = documents["Job"]["spec"]["template"]["spec"]["containers"][0]
    assert "gnist db upgrade" in " ".join(job["command"])
    for variable in documents["ConfigMap"]["data"]:
        assert variable in setting_names()
