"""`make deploy-check`: the production files validated without a container engine.

    uv run python -m infra.deploy.check [--deploy-dir infra/deploy]

What is checked (each check returns problems as sentences; none means it passed):

* compose.yaml against the compose-spec JSON schema (check-jsonschema's vendored copy),
  after interpolating it with .env.example as compose would, so `${VAR:?}` without a
  value in .env.example is a problem too;
* every Kubernetes manifest with kubernetes-validate in strict mode (unknown fields are
  errors), and kustomization.yaml lists every manifest but the Secret template;
* the settings: the environment each app container gets (compose services built from
  the Dockerfile; Kubernetes containers with envFrom) sets every variable the app
  requires, names only variables the app reads (a typo would silently fall back to a
  default), and is accepted by the app's own Settings.from_env;
* every Deployment has readiness and liveness probes, CPU and memory requests and
  limits, runs as non-root with a read-only root file system; images are pinned (no
  :latest, no missing tag); no literal secret in any file;
* probe and health-check paths and ports are ones the app serves: API routes are read
  from create_app()'s route table, the worker's from its HTTP module, the ports from the
  Dockerfile's command and the worker's settings;
* the proxy's and the Ingress's body limit equal the app's request_max_body_size, the
  proxy hides /metrics and forwards X-Request-ID;
* the S3 store (SeaweedFS) in compose: only its S3 port is reachable, through the gate
  whose network namespace it shares, every other port bound to loopback there and none
  published; the master's and filer's HTTP APIs are off and volume access is signed;
* the Dockerfile: multi-stage with `api` and `worker` targets, a numeric non-root USER,
  a HEALTHCHECK per target, `uv sync --frozen --no-dev`, pinned base images, nothing
  secret in ENV/ARG, every COPY source present and not excluded by .dockerignore.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate  # type: ignore[import-untyped]
import yaml
from check_jsonschema.builtin_schemas import (  # type: ignore[import-untyped]
    get_builtin_schema,
)

from api.config import REPO_ROOT, ConfigError, Settings

DEPLOY_DIR = Path(__file__).resolve().parent
K8S_VERSION = "1.33.0"
# The app sources that read the environment (infra/local is `make run` only).
APP_SOURCES = ("api", "storage", "inference", "infra/deploy/release.py")
# Read by the server around the app, not by the app: uvicorn's trusted proxy addresses.
RUNTIME_VARS = frozenset({"FORWARDED_ALLOW_IPS"})
APP_VAR = re.compile(r"^(SITECHECK_[A-Z0-9_]+|S3_[A-Z0-9_]+|DATABASE_URL)$")
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|_KEY$|_KEY_ID$|FACE_KEY|DATABASE_URL)")
PLACEHOLDER = re.compile(r"<[^<>]+>")
# What real credentials look like when pasted by mistake.
SECRET_SHAPES = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\."),  # a JWT
    re.compile(r"://[^:/@\s]+:(?!<)[^@\s$<]{6,}@"),  # a URL with a literal password
)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


# ----------------------------------------------------------------------------- loading


def load_yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = value.strip()
    return values


_INTERPOLATION = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\})")


def interpolate(value: Any, env: Mapping[str, str], missing: list[str]) -> Any:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `$$`,
    applied to every string of the document; unset required variables go to `missing`."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, missing) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if name is None:
            return "$"
        current = env.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op in (":-", "-"):
            return arg if unset else str(current)
        if op in (":?", "?") and unset:
            missing.append(f"{name} ({arg})")
            return ""
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def app_variables(repo: Path) -> tuple[set[str], set[str]]:
    """(every variable the app reads, those it requires), from its source."""
    known: set[str] = set()
    required: set[str] = set()
    for name in APP_SOURCES:
        root = repo / name
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            text = path.read_text()
            known |= {m for m in re.findall(r"\"([A-Z][A-Z0-9_]+)\"", text) if APP_VAR.match(m)}
            # api/config.py declares a required variable as `r.required("NAME")`.
            required |= set(re.findall(r"\.required\(\s*\"([A-Z0-9_]+)\"", text))
    return known, required


def placeholder_free(name: str, value: str) -> str:
    """A value the app accepts in place of a template's `<...>` placeholder."""
    if not PLACEHOLDER.search(value):
        return value
    if name == "SITECHECK_FACE_KEY":
        return "ab" * 32
    return PLACEHOLDER.sub("placeholder-value-for-the-deploy-check", value)


def settings_problems(where: str, env: Mapping[str, str], report: Report) -> None:
    known_env = {k: placeholder_free(k, v) for k, v in env.items()}
    try:
        Settings.from_env(known_env)
    except ConfigError as exc:
        report.add(where, f"the app refuses this environment: {exc}")


def env_problems(
    where: str, env: Mapping[str, str], known: set[str], required: set[str], report: Report
) -> None:
    for name in sorted(required):
        if not env.get(name):
            report.add(where, f"{name} is required by the app but not set")
    for name in sorted(env):
        if APP_VAR.match(name) and name not in known:
            report.add(where, f"{name} is not a variable the app reads (a typo?)")
        elif not APP_VAR.match(name) and name not in RUNTIME_VARS:
            report.add(where, f"{name} is neither an app setting nor a known runtime variable")
    settings_problems(where, env, report)


def worker_bind_problems(where: str, env: Mapping[str, str], report: Report) -> None:
    # The worker binds its HTTP port to loopback unless told otherwise: a probe from the
    # kubelet or Docker's health check from outside the process's namespace would fail.
    if env.get("SITECHECK_WORKER_HTTP_HOST") not in ("0.0.0.0", "::"):  # noqa: S104
        report.add(where, "SITECHECK_WORKER_HTTP_HOST must be 0.0.0.0 for probes to reach it")


def image_problems(where: str, image: str, report: Report) -> None:
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    if "@sha256:" in image:
        return
    if not tag:
        report.add(where, f"image {image} has no tag (that means :latest)")
    elif tag == "latest":
        report.add(where, f"image {image} uses :latest")
    del name


# ----------------------------------------------------------------------------- app facts


@dataclass(frozen=True)
class AppFacts:
    api_paths: frozenset[str]
    api_port: int
    worker_paths: frozenset[str]
    worker_port: int
    body_limit: int
    known_vars: frozenset[str]
    required_vars: frozenset[str]


def app_facts(repo: Path, deploy_dir: Path) -> AppFacts:
    from api.app import create_app

    # Building the app opens no connection (that is the lifespan's job) but does set up
    # the process's logging: put it back, this may run inside pytest.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        app = create_app(Settings.from_env(_sample_env()))
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    # The PWA's catch-all `/{path:path}` would match anything: only literal routes count.
    api_paths = frozenset(r.path for r in app.routes if "{" not in r.path)
    api_port = dockerfile_api_port(deploy_dir / "Dockerfile")
    worker_paths, worker_port = worker_http_facts(repo)
    known, required = app_variables(repo)
    return AppFacts(
        api_paths=api_paths,
        api_port=api_port,
        worker_paths=worker_paths,
        worker_port=worker_port,
        body_limit=limit if isinstance(limit := app.request_max_body_size, int) else 0,
        known_vars=frozenset(known),
        required_vars=frozenset(required),
    )


def _sample_env() -> dict[str, str]:
    return {
        "DATABASE_URL": "postgresql+asyncpg://deploy:check@127.0.0.1:9/none",
        "S3_ACCESS_KEY_ID": "deploy-check",
        "S3_SECRET_ACCESS_KEY": "deploy-check",
        "SITECHECK_JWT_SECRET": "deploy-check-" * 3,
    }


def worker_http_facts(repo: Path) -> tuple[frozenset[str], int]:
    """The paths the worker's HTTP server answers (its handler compares the request path
    with literals: read them from its source) and the port it defaults to."""
    source = repo / "api" / "jobs" / "http.py"
    paths = re.findall(r"path == \"(/[^\"]*)\"", source.read_text()) if source.exists() else []
    return frozenset(paths), Settings.from_env(_sample_env()).worker.http_port


def dockerfile_api_port(dockerfile: Path) -> int:
    text = dockerfile.read_text()
    stage = text.split("AS api", 1)[-1]
    match = re.search(r'"--port",\s*"(\d+)"', stage)
    return int(match.group(1)) if match else -1


# ----------------------------------------------------------------------------- compose


def check_compose(deploy_dir: Path, facts: AppFacts, report: Report) -> None:
    path = deploy_dir / "compose.yaml"
    where = path.name
    raw = yaml.safe_load(path.read_text())
    example = read_env_file(deploy_dir / ".env.example")
    missing: list[str] = []
    doc = interpolate(raw, example, missing)
    for name in missing:
        report.add(where, f"${{{name}}} is required but .env.example does not set it")
    validator_cls = jsonschema.validators.validator_for(get_builtin_schema("vendor.compose-spec"))
    validator = validator_cls(get_builtin_schema("vendor.compose-spec"))
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        at = "/".join(str(p) for p in error.absolute_path) or "(top)"
        report.add(where, f"compose-spec: {at}: {error.message}")
    _compose_secrets(raw, where, report)
    for name, value in example.items():
        if SECRET_NAME.search(name) and value and not PLACEHOLDER.search(value):
            report.add(".env.example", f"{name} holds a literal value; use a <placeholder>")

    services: dict[str, Any] = doc.get("services") or {}
    app_services = {n: s for n, s in services.items() if _built_here(raw["services"][n])}
    if not app_services:
        report.add(where, "no service is built from infra/deploy/Dockerfile")
    for name, service in sorted(services.items()):
        at = f"{where}: services.{name}"
        image_problems(at, str(service.get("image", "")), report)
        if "healthcheck" not in service and service.get("restart") != "no":
            report.add(at, "long-running service without a healthcheck")
    for name, service in sorted(app_services.items()):
        at = f"{where}: services.{name}"
        env = {
            k: "" if v is None else str(v) for k, v in (service.get("environment") or {}).items()
        }
        env_problems(at, env, set(facts.known_vars), set(facts.required_vars), report)
        target = ((raw["services"][name].get("build") or {}).get("target")) or "api"
        test = " ".join(str(t) for t in (service.get("healthcheck") or {}).get("test", []))
        if service.get("restart") != "no":
            _probe_url_problems(at, test, target, facts, report, env)
        if target == "worker":
            worker_bind_problems(at, env, report)
    replicas = ((services.get("api") or {}).get("deploy") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 2:
        report.add(where, "services.api needs deploy.replicas >= 2 (replicas behind the proxy)")
    for one_shot in ("migrate",):
        if one_shot not in services:
            report.add(where, f"no `{one_shot}` one-shot service (migrations once per release)")
    for name, service in app_services.items():
        command = " ".join(str(c) for c in service.get("command") or [])
        if name != "migrate" and ("alembic" in command or "release" in command):
            report.add(f"{where}: services.{name}", "replicas must not run migrations")
    _store_problems(where, services, report)


# What SeaweedFS needs on its command line so that only signed S3 reaches objects: every
# component bound to loopback (its master, volume, filer and gRPC APIs have no
# authentication of their own), the master's and filer's HTTP APIs off, and JWT keys for
# volume writes and reads (weed reads them from WEED_* variables, drawn at each start).
STORE_FLAGS = ("-ip.bind=127.0.0.1", "-disableHttp", "-filer.disableHttp")
STORE_SIGNING = ("WEED_JWT_SIGNING_KEY=", "WEED_JWT_SIGNING_READ_KEY=")


def _store_problems(where: str, services: Mapping[str, Any], report: Report) -> None:
    stores = {n: s for n, s in services.items() if "seaweedfs" in str(s.get("image", ""))}
    if not stores:
        report.add(where, "no SeaweedFS store service")
    for name, service in sorted(stores.items()):
        at = f"{where}: services.{name}"
        command = " ".join(str(c) for c in service.get("command") or [])
        for flag in STORE_FLAGS:
            if not re.search(rf"(^|\s){re.escape(flag)}(\s|$)", command):
                report.add(at, f"the store runs without {flag}: its unauthenticated APIs open")
        for flag in re.findall(r"-[\w.]*ip\.bind=(\S+)", command):
            if flag != "127.0.0.1":
                report.add(at, f"a component binds {flag}: only loopback, behind the gate")
        for variable in STORE_SIGNING:
            if variable not in command:
                report.add(at, f"volume signing is not configured ({variable.rstrip('=')})")
        if service.get("ports") or service.get("expose"):
            report.add(at, "publishes or exposes ports; only S3, through its gate, may be reached")
        # Its own network namespace would put every loopback-bound port out of the gate's
        # reach, and any network would put them within everyone else's: share the gate's.
        mode = str(service.get("network_mode", ""))
        gate = services.get(mode.removeprefix("service:")) if mode.startswith("service:") else None
        if gate is None or service.get("networks"):
            report.add(at, "must share its S3 gate's network namespace (network_mode: service:…)")
        elif gate.get("ports") or gate.get("expose"):
            report.add(
                f"{where}: services.{mode.removeprefix('service:')}",
                "the store's gate publishes ports",
            )


def _built_here(service: Mapping[str, Any]) -> bool:
    build = service.get("build") or {}
    return isinstance(build, dict) and str(build.get("dockerfile", "")).endswith(
        "infra/deploy/Dockerfile"
    )


def _compose_secrets(raw: Mapping[str, Any], where: str, report: Report) -> None:
    for name, service in (raw.get("services") or {}).items():
        env = service.get("environment") or {}
        for key, value in env.items() if isinstance(env, dict) else ():
            text = "" if value is None else str(value)
            if SECRET_NAME.search(key) and text and "${" not in text:
                report.add(f"{where}: services.{name}", f"{key} is a literal; take it from .env")


def _probe_url_problems(
    where: str,
    test: str,
    target: str,
    facts: AppFacts,
    report: Report,
    env: Mapping[str, str] | None = None,
) -> None:
    urls = re.findall(r"http://(?:127\.0\.0\.1|localhost):(\d+)(/[^'\"\s)]*)", test)
    if not urls:
        report.add(where, "health check does not call the app over HTTP")
    for port, path in urls:
        if target == "worker":
            expected_port = int((env or {}).get("SITECHECK_WORKER_HTTP_PORT") or facts.worker_port)
            paths = facts.worker_paths
        else:
            expected_port, paths = facts.api_port, facts.api_paths
        if int(port) != expected_port:
            report.add(
                where, f"health check calls port {port}; the {target} serves {expected_port}"
            )
        if path not in paths:
            report.add(where, f"health check calls {path}, which the {target} does not serve")


# ----------------------------------------------------------------------------- Kubernetes


def k8s_documents(k8s_dir: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(k8s_dir.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for index, doc in enumerate(load_yaml_docs(path)):
            yield f"k8s/{path.name}#{index}", doc


_schema_errors: dict[str, str | None] = {}


def schema_error(doc: Mapping[str, Any]) -> str | None:
    """kubernetes-validate's strict verdict on one document. Remembered per document
    content: it reads its JSON schemas from disk on every call, and the tests check the
    same unchanged manifests once per broken copy."""
    key = json.dumps(doc, sort_keys=True, default=str)
    if key not in _schema_errors:
        try:
            kubernetes_validate.validate(dict(doc), K8S_VERSION, strict=True)
            _schema_errors[key] = None
        except kubernetes_validate.ValidationError as exc:
            at = "/".join(str(p) for p in exc.path) or "(top)"
            _schema_errors[key] = f"kubernetes-validate --strict: {at}: {exc.message}"
        except kubernetes_validate.SchemaNotFoundError as exc:
            _schema_errors[key] = str(exc.message)
    return _schema_errors[key]


def check_k8s(deploy_dir: Path, facts: AppFacts, report: Report) -> None:
    k8s_dir = deploy_dir / "k8s"
    docs = list(k8s_documents(k8s_dir))
    for where, doc in docs:
        if error := schema_error(doc):
            report.add(where, error)
        _k8s_secret_text(where, doc, report)
    _kustomization(k8s_dir, report)

    config: dict[str, str] = {}
    secret: dict[str, str] = {}
    for where, doc in docs:
        if doc.get("kind") == "ConfigMap":
            config |= {k: str(v) for k, v in (doc.get("data") or {}).items()}
            for key in doc.get("data") or {}:
                if SECRET_NAME.search(key):
                    report.add(where, f"{key} looks secret: put it in the Secret, not a ConfigMap")
        if doc.get("kind") == "Secret":
            values = {**(doc.get("stringData") or {}), **(doc.get("data") or {})}
            secret |= {k: str(v) for k, v in values.items()}
            for key, value in values.items():
                if not PLACEHOLDER.search(str(value)):
                    report.add(
                        where, f"Secret value {key} is literal; templates hold <placeholders>"
                    )

    kinds = {doc.get("kind") for _, doc in docs}
    for kind in (
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "Ingress",
        "Job",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    ):
        if kind not in kinds:
            report.add("k8s", f"no {kind} manifest")
    for where, doc in docs:
        if doc.get("kind") in ("Deployment", "Job"):
            _workload(where, doc, config, secret, facts, report)
        if doc.get("kind") == "Ingress":
            limit = (doc["metadata"].get("annotations") or {}).get(
                "nginx.ingress.kubernetes.io/proxy-body-size", ""
            )
            if _size(str(limit)) != facts.body_limit:
                report.add(
                    where,
                    f"proxy-body-size {limit!r} differs from the app's {facts.body_limit} bytes",
                )
    if "Ingress" in kinds and not secret.get("SITECHECK_METRICS_TOKEN"):
        # The Ingress forwards every path, /metrics included: only the token guards it.
        report.add(
            "k8s", "the Ingress exposes /metrics but the Secret sets no SITECHECK_METRICS_TOKEN"
        )
    scaled = {
        doc["spec"]["scaleTargetRef"]["name"]
        for _, doc in docs
        if doc.get("kind") == "HorizontalPodAutoscaler"
    }
    for name in ("sitecheck-api", "sitecheck-worker-inference"):
        if name not in scaled:
            report.add("k8s", f"no HorizontalPodAutoscaler for {name}")


def _kustomization(k8s_dir: Path, report: Report) -> None:
    kustomization = yaml.safe_load((k8s_dir / "kustomization.yaml").read_text())
    listed = set(kustomization.get("resources") or [])
    present = {p.name for p in k8s_dir.glob("*.yaml")} - {"kustomization.yaml"}
    for name in sorted(present - listed):
        if "template" not in name:
            report.add("k8s/kustomization.yaml", f"{name} is not listed in resources")
        # A template's placeholders must never be applied.
    for name in sorted(listed - present):
        report.add("k8s/kustomization.yaml", f"{name} is listed but does not exist")
    for name in sorted(listed):
        if "template" in name:
            report.add("k8s/kustomization.yaml", f"{name} is a template and must not be applied")


def _k8s_secret_text(where: str, doc: Mapping[str, Any], report: Report) -> None:
    text = yaml.safe_dump(doc)
    for shape in SECRET_SHAPES:
        if shape.search(text):
            report.add(where, f"looks like a literal credential ({shape.pattern})")


def _workload(
    where: str,
    doc: Mapping[str, Any],
    config: Mapping[str, str],
    secret: Mapping[str, str],
    facts: AppFacts,
    report: Report,
) -> None:
    pod = doc["spec"]["template"]["spec"]
    pod_security = pod.get("securityContext") or {}
    ports_by_name: dict[str, int] = {}
    for container in pod.get("containers", []):
        at = f"{where} container {container.get('name')}"
        image = str(container.get("image", ""))
        image_problems(at, image, report)
        security = container.get("securityContext") or {}
        if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
            report.add(at, "runAsNonRoot is not set")
        if not security.get("readOnlyRootFilesystem"):
            report.add(at, "readOnlyRootFilesystem is not set")
        if security.get("allowPrivilegeEscalation") is not False:
            report.add(at, "allowPrivilegeEscalation must be false")
        resources = container.get("resources") or {}
        for part in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in (resources.get(part) or {}):
                    report.add(at, f"resources.{part}.{res} is missing")
        for port in container.get("ports") or []:
            ports_by_name[str(port.get("name"))] = int(port["containerPort"])

        env = _container_env(container, config, secret)
        if any("sitecheck" in ref for ref in _env_refs(container)):
            env_problems(at, env, set(facts.known_vars), set(facts.required_vars), report)
        if doc.get("kind") != "Deployment":
            continue
        target = "worker" if "/worker:" in image else "api"
        if target == "worker":
            worker_bind_problems(at, env, report)
        for probe in ("readinessProbe", "livenessProbe"):
            spec = container.get(probe)
            if not spec:
                report.add(at, f"{probe} is missing")
                continue
            get = spec.get("httpGet") or {}
            port = get.get("port")
            number = ports_by_name.get(str(port), port if isinstance(port, int) else -1)
            if target == "worker":
                expected = int(env.get("SITECHECK_WORKER_HTTP_PORT") or facts.worker_port)
                paths = facts.worker_paths
            else:
                expected, paths = facts.api_port, facts.api_paths
            if number != expected:
                report.add(at, f"{probe} port {port} is {number}; the {target} serves {expected}")
            if get.get("path") not in paths:
                report.add(at, f"{probe} path {get.get('path')} is not served by the {target}")
        ready = (container.get("readinessProbe") or {}).get("httpGet", {}).get("path")
        if ready == (container.get("livenessProbe") or {}).get("httpGet", {}).get("path"):
            report.add(
                at,
                "liveness and readiness use the same path: a database outage "
                "would restart every replica",
            )


def _env_refs(container: Mapping[str, Any]) -> list[str]:
    refs = []
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef") or source.get("secretRef") or {}
        refs.append(str(ref.get("name", "")))
    return refs


def _container_env(
    container: Mapping[str, Any], config: Mapping[str, str], secret: Mapping[str, str]
) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            env |= dict(config)
        if "secretRef" in source:
            env |= dict(secret)
    for item in container.get("env") or []:
        env[item["name"]] = str(item.get("value", "from-reference"))
    return env


def _size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", text.strip())
    if not match:
        return -1
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
    return int(match.group(1)) * scale


# ----------------------------------------------------------------------------- proxy, image


def check_proxy(deploy_dir: Path, facts: AppFacts, report: Report) -> None:
    text = (deploy_dir / "nginx.conf").read_text()
    where = "nginx.conf"
    app_server = text.split("listen 8080", 1)[-1].split("server {", 1)[0]
    limits = re.findall(r"client_max_body_size\s+(\w+);", app_server)
    if not limits or _size(limits[0]) != facts.body_limit:
        report.add(
            where, f"client_max_body_size {limits} differs from the app's {facts.body_limit} bytes"
        )
    if not re.search(r"location\s+=\s+/metrics\s*\{\s*return\s+40[34]", app_server):
        report.add(where, "/metrics is not blocked from outside")
    if "proxy_set_header X-Request-ID" not in app_server:
        report.add(where, "X-Request-ID is not forwarded to the API")


def check_dockerfile(deploy_dir: Path, repo: Path, report: Report) -> None:
    path = deploy_dir / "Dockerfile"
    where = "Dockerfile"
    text = path.read_text()
    lines = _logical_lines(text)
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, flags=re.M))
    stages: dict[str, list[str]] = {}
    current = ""
    for line in lines:
        instruction = line.split(None, 1)[0].upper() if line.split() else ""
        if instruction == "FROM":
            match = re.match(r"FROM\s+(?:--\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", line, flags=re.I)
            assert match is not None
            image = re.sub(
                r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), match.group(1)
            )
            if image not in stages:
                image_problems(f"{where}: FROM", image, report)
            current = match.group(2) or image
            stages[current] = []
            continue
        stages.setdefault(current, []).append(line)
        if instruction in ("ENV", "ARG"):
            for name, value in re.findall(r"(\w+)=(\S*)", line):
                if SECRET_NAME.search(name) and value.strip("\"'"):
                    report.add(where, f"{instruction} {name} bakes a secret into the image")
        if instruction == "COPY" and "--from" not in line:
            _copy_sources(where, line, repo, report)
    if len(stages) < 3:
        report.add(where, "not multi-stage (build stages apart from the runtime)")
    for target in ("api", "worker"):
        if target not in stages:
            report.add(where, f"no `{target}` target stage")
            continue
        chain = _stage_chain(target, lines)
        if not any(_user_ok(line) for line in chain):
            report.add(where, f"target {target} does not switch to a numeric non-root USER")
        if not any(line.upper().startswith("HEALTHCHECK") for line in stages[target]):
            report.add(where, f"target {target} has no HEALTHCHECK")
    if not re.search(r"uv sync --frozen --no-dev", text):
        report.add(where, "dependencies are not installed with `uv sync --frozen --no-dev`")
    if not re.search(r"npm (ci|run build)", text):
        report.add(where, "the PWA is not built in the image")


def _logical_lines(text: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", text)
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _stage_chain(target: str, lines: list[str]) -> list[str]:
    """The lines of `target` and of every stage it is built FROM, base first."""
    parents: dict[str, str] = {}
    body: dict[str, list[str]] = {}
    current = ""
    for line in lines:
        match = re.match(r"FROM\s+(?:--\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", line, flags=re.I)
        if match:
            current = match.group(2) or match.group(1)
            parents[current] = match.group(1)
            body[current] = []
        else:
            body.setdefault(current, []).append(line)
    chain: list[str] = []
    stage: str | None = target
    while stage in body:
        chain = body[stage] + chain
        stage = parents.get(stage)
    return chain


def _user_ok(line: str) -> bool:
    match = re.match(r"USER\s+(\d+)(?::(\d+))?$", line, flags=re.I)
    return bool(match and int(match.group(1)) != 0)


def _copy_sources(where: str, line: str, repo: Path, report: Report) -> None:
    parts = [p for p in line.split()[1:] if not p.startswith("--")]
    ignored = _dockerignore(repo)
    for source in parts[:-1]:
        clean = source.rstrip("/")
        if not (repo / clean).exists():
            report.add(where, f"COPY {source}: no such path in the repository")
        elif any(fnmatch.fnmatch(clean, pat) or clean.startswith(pat + "/") for pat in ignored):
            report.add(where, f"COPY {source}: excluded by .dockerignore")


def _dockerignore(repo: Path) -> list[str]:
    path = repo / ".dockerignore"
    if not path.exists():
        return []
    patterns = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "!")):
            patterns.append(line.rstrip("/"))
    return patterns


# ----------------------------------------------------------------------------- entry


def run_checks(
    deploy_dir: Path = DEPLOY_DIR, repo: Path = REPO_ROOT, facts: AppFacts | None = None
) -> list[str]:
    report = Report()
    facts = facts or app_facts(repo, deploy_dir)
    check_dockerfile(deploy_dir, repo, report)
    check_compose(deploy_dir, facts, report)
    check_k8s(deploy_dir, facts, report)
    check_proxy(deploy_dir, facts, report)
    return report.problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Validate infra/deploy without a container engine."
    )
    parser.add_argument("--deploy-dir", type=Path, default=DEPLOY_DIR)
    args = parser.parse_args(argv)
    problems = run_checks(args.deploy_dir.resolve())
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        print(f"deploy-check: {len(problems)} problem(s)")
        return 1
    print("deploy-check: compose.yaml, k8s/*.yaml, Dockerfile and nginx.conf pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
