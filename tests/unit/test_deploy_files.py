"""The production files (infra/deploy) pass `make deploy-check`, and the check refuses
broken copies of them: each case below edits one file of a copy and names the problem the
check must report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.deploy.check import DEPLOY_DIR, AppFacts, app_facts, run_checks
from infra.deploy.check import main as check_main

REPO = DEPLOY_DIR.parents[1]


@pytest.fixture(scope="module")
def facts() -> AppFacts:
    return app_facts(REPO, DEPLOY_DIR)


def test_shipped_files_pass(facts: AppFacts) -> None:
    assert run_checks(DEPLOY_DIR, REPO, facts) == []


def test_facts_come_from_the_app(facts: AppFacts) -> None:
    # The check compares probes with what the app serves; if these were empty every probe
    # would be refused, if they were made up the check would prove nothing.
    assert {"/health", "/health/live", "/health/ready", "/metrics"} <= facts.api_paths
    assert {"/health/live", "/health/ready", "/metrics"} <= facts.worker_paths
    assert facts.api_port == 8000
    assert facts.worker_port == 9101
    assert facts.body_limit == 30 * 1024 * 1024
    assert {"DATABASE_URL", "SITECHECK_JWT_SECRET"} <= facts.required_vars


def test_command_line_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = shutil.copytree(DEPLOY_DIR, tmp_path / "deploy")
    _edit(broken / "k8s" / "api.yaml", "path: /health/ready", "path: /health/readyz")
    assert check_main(["--deploy-dir", str(broken)]) == 1
    assert "FAIL" in capsys.readouterr().out


# (file, text to replace, replacement, words of the problem the check must report)
BROKEN = [
    pytest.param(
        "k8s/api.yaml",
        "          readinessProbe:\n",
        "          readinessProbeX:\n",
        "readinessProbe is missing",
        id="k8s-no-readiness-probe",
    ),
    pytest.param(
        "k8s/api.yaml",
        "path: /health/ready",
        "path: /health/readyz",
        "/health/readyz is not served by the api",
        id="k8s-probe-path-not-a-route",
    ),
    pytest.param(
        "k8s/worker-inference.yaml",
        "containerPort: 9101",
        "containerPort: 9102",
        "the worker serves 9101",
        id="k8s-worker-probe-wrong-port",
    ),
    pytest.param(
        "k8s/api.yaml",
        "sitecheck/api:1.0.0",
        "sitecheck/api:latest",
        "uses :latest",
        id="k8s-latest-image",
    ),
    pytest.param(
        "k8s/api.yaml",
        '            limits:\n              cpu: "2"\n',
        "            limits:\n",
        "resources.limits.cpu is missing",
        id="k8s-no-cpu-limit",
    ),
    pytest.param(
        "k8s/api.yaml",
        "  revisionHistoryLimit: 5\n",
        "  revisionHistoryLimit: 5\n  replicaz: 3\n",
        "kubernetes-validate --strict",
        id="k8s-unknown-field",
    ),
    pytest.param(
        "k8s/api.yaml",
        "            readOnlyRootFilesystem: true\n",
        "            readOnlyRootFilesystem: false\n",
        "readOnlyRootFilesystem is not set",
        id="k8s-writable-root",
    ),
    pytest.param(
        "k8s/configmap.yaml",
        "SITECHECK_DB_POOL_SIZE:",
        "SITECHECK_DB_POOLSIZE:",
        "SITECHECK_DB_POOLSIZE is not a variable the app reads",
        id="k8s-env-typo",
    ),
    pytest.param(
        "k8s/configmap.yaml",
        'SITECHECK_DB_POOL_SIZE: "10"',
        "SITECHECK_DB_POOL_SIZE: ten",
        "the app refuses this environment",
        id="k8s-env-value-refused",
    ),
    pytest.param(
        "k8s/configmap.yaml",
        "SITECHECK_WORKER_HTTP_HOST: 0.0.0.0",
        "SITECHECK_WORKER_HTTP_HOST: 127.0.0.1",
        "SITECHECK_WORKER_HTTP_HOST must be 0.0.0.0",
        id="k8s-worker-bound-to-loopback",
    ),
    pytest.param(
        "k8s/secret.template.yaml",
        "SITECHECK_JWT_SECRET: <random, at least 32 characters>",
        "SITECHECK_JWT_SECRET: s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-42",
        "Secret value SITECHECK_JWT_SECRET is literal",
        id="k8s-literal-secret",
    ),
    pytest.param(
        "k8s/secret.template.yaml",
        "  S3_SECRET_ACCESS_KEY: <secret access key>\n",
        "",
        "S3_SECRET_ACCESS_KEY is required by the app but not set",
        id="k8s-required-setting-missing",
    ),
    pytest.param(
        "k8s/secret.template.yaml",
        "  SITECHECK_METRICS_TOKEN: <random token>\n",
        "",
        "exposes /metrics but the Secret sets no SITECHECK_METRICS_TOKEN",
        id="k8s-metrics-without-token",
    ),
    pytest.param(
        "k8s/kustomization.yaml",
        "  - pdb.yaml\n",
        "",
        "pdb.yaml is not listed",
        id="kustomization-misses-a-manifest",
    ),
    pytest.param(
        "k8s/kustomization.yaml",
        "  - namespace.yaml\n",
        "  - namespace.yaml\n  - secret.template.yaml\n",
        "is a template and must not be applied",
        id="kustomization-applies-the-template",
    ),
    pytest.param(
        "k8s/ingress.yaml",
        "proxy-body-size: 30m",
        "proxy-body-size: 1m",
        "differs from the app's",
        id="ingress-body-limit",
    ),
    pytest.param(
        "compose.yaml",
        "    stop_grace_period: 30s\n",
        "    stop_grace_periods: 30s\n",
        "compose-spec",
        id="compose-schema",
    ),
    pytest.param(
        "compose.yaml",
        "  S3_SECRET_ACCESS_KEY: ${S3_SECRET_ACCESS_KEY:?set S3_SECRET_ACCESS_KEY in .env}\n",
        "",
        "S3_SECRET_ACCESS_KEY is required by the app but not set",
        id="compose-required-setting-missing",
    ),
    pytest.param(
        "compose.yaml",
        "SITECHECK_JWT_SECRET: ${SITECHECK_JWT_SECRET:?set SITECHECK_JWT_SECRET in .env}",
        "SITECHECK_JWT_SECRET: a-literal-secret-that-is-long-enough-000",
        "SITECHECK_JWT_SECRET is a literal",
        id="compose-literal-secret",
    ),
    pytest.param(
        "compose.yaml",
        "http://127.0.0.1:8000/health/ready",
        "http://127.0.0.1:8000/healthz",
        "/healthz, which the api does not serve",
        id="compose-healthcheck-not-a-route",
    ),
    pytest.param(
        "compose.yaml",
        "      SITECHECK_WORKER_QUEUES: inference\n",
        "      SITECHECK_WORKER_QUEUE: inference\n",
        "SITECHECK_WORKER_QUEUE is not a variable the app reads",
        id="compose-env-typo",
    ),
    pytest.param(
        "compose.yaml",
        "      replicas: 3\n",
        "      replicas: 1\n",
        "deploy.replicas >= 2",
        id="compose-single-api",
    ),
    pytest.param(
        "compose.yaml",
        "-ip.bind=127.0.0.1 -disableHttp",
        "-ip.bind=0.0.0.0 -disableHttp",
        "a component binds 0.0.0.0",
        id="compose-store-listens-on-the-network",
    ),
    pytest.param(
        "compose.yaml",
        "-ip.bind=127.0.0.1 -disableHttp",
        "-ip.bind=127.0.0.1 -s3.ip.bind=0.0.0.0 -disableHttp",
        "a component binds 0.0.0.0",
        id="compose-store-s3-and-its-grpc-on-the-network",
    ),
    pytest.param(
        "compose.yaml",
        '    network_mode: "service:s3"\n',
        "    networks: [backend]\n",
        "must share its S3 gate's network namespace",
        id="compose-store-on-the-backend-network",
    ),
    pytest.param(
        "compose.yaml",
        '    network_mode: "service:s3"\n',
        '    network_mode: "service:s3"\n    ports: ["9333:9333", "8888:8888"]\n',
        "publishes or exposes ports",
        id="compose-store-publishes-its-ports",
    ),
    pytest.param(
        "compose.yaml",
        "      - ./store-gate.conf:/etc/nginx/nginx.conf:ro\n",
        '      - ./store-gate.conf:/etc/nginx/nginx.conf:ro\n    ports: ["8888:8888"]\n',
        "the store's gate publishes ports",
        id="compose-store-gate-publishes-ports",
    ),
    pytest.param(
        "compose.yaml",
        " -disableHttp\n",
        "\n",
        "without -disableHttp",
        id="compose-store-master-http-api-open",
    ),
    pytest.param(
        "compose.yaml",
        '        export WEED_JWT_SIGNING_KEY="$$(key)" ',
        "        export ",
        "volume signing is not configured (WEED_JWT_SIGNING_KEY)",
        id="compose-store-volume-writes-unsigned",
    ),
    pytest.param(
        ".env.example",
        "POSTGRES_PASSWORD=<hex password>\n",
        "",
        "POSTGRES_PASSWORD",
        id="env-example-misses-a-required-variable",
    ),
    pytest.param(
        "nginx.conf",
        "client_max_body_size 30m;",
        "client_max_body_size 100m;",
        "client_max_body_size",
        id="proxy-body-limit",
    ),
    pytest.param(
        "nginx.conf",
        "location = /metrics { return 404; }",
        "",
        "/metrics is not blocked",
        id="proxy-exposes-metrics",
    ),
    pytest.param(
        "Dockerfile",
        "USER 10001:10001",
        "USER root",
        "numeric non-root USER",
        id="dockerfile-root",
    ),
    pytest.param(
        "Dockerfile",
        "    SITECHECK_LOG_LEVEL=INFO",
        "    SITECHECK_LOG_LEVEL=INFO \\\n    SITECHECK_JWT_SECRET=baked-in",
        "bakes a secret into the image",
        id="dockerfile-secret",
    ),
    pytest.param(
        "Dockerfile",
        "ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm",
        "ARG PYTHON_IMAGE=python:latest",
        "uses :latest",
        id="dockerfile-latest-base",
    ),
    pytest.param(
        "Dockerfile",
        "COPY storage/ storage/",
        "COPY storage-missing/ storage/",
        "no such path",
        id="dockerfile-copy-missing",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), BROKEN)
def test_broken_copy_is_refused(
    tmp_path: Path, facts: AppFacts, name: str, old: str, new: str, expected: str
) -> None:
    broken = shutil.copytree(DEPLOY_DIR, tmp_path / "deploy")
    _edit(broken / name, old, new)
    problems = run_checks(broken, REPO, facts)
    assert any(expected in problem for problem in problems), problems


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    # The case must really change the file, or it would pass without testing anything.
    assert text.count(old) >= 1, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))
