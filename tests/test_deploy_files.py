"""The deploy files agree with the code: docker-compose.yml, deploy/k8s/ and .env.example are checked
against deploy/Procfile, shared.settings.SPECS and shared.tasks, never against copies kept here.

Pure file parsing: no network, no subprocess, no Docker.
"""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from shared.settings import SPECS
from shared.tasks import ALL_QUEUES, NOTIFICATION_QUEUES, REPORT_QUEUES, WORKER_QUEUES

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "deploy" / "Procfile"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
K8S = ROOT / "deploy" / "k8s"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"

# In a container gunicorn must listen on every interface; everything else is the Procfile's default.
CONTAINER_OVERRIDES = {"BIND_HOST": "0.0.0.0"}
QUEUES_BY_PROCESS = {"workers": WORKER_QUEUES, "reports": REPORT_QUEUES, "notifier": NOTIFICATION_QUEUES}
HTTP_PROCESSES = ("ingestion", "notification")
INFRASTRUCTURE = ("mongo", "redis")

SPEC_BY_ENV = {spec.env: spec for spec in SPECS.values()}
SECRET_ENVS = {spec.env for spec in SPECS.values() if spec.secret}
DEFAULT_PARAM = re.compile(r"\$\{(\w+):-([^}]*)\}")
REQUIRED_PARAM = re.compile(r"^\$\{(\w+):\?[^}]+\}$")


# --- parsing helpers ---------------------------------------------------------------------------------


@cache
def procfile() -> dict[str, str]:
    """Process name -> its command after `exec`, as written (with ${VAR:-default} parameters)."""
    processes = {}
    for line in PROCFILE.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        command = command.strip()
        assert command.startswith("exec "), f"Procfile {name}: expected `exec <command>`"
        processes[name.strip()] = command.removeprefix("exec ")
    return processes


def resolve(command: str, overrides: dict[str, str] | None = None) -> list[str]:
    """A Procfile command as argv, each ${VAR:-default} replaced by its default (or an override)."""
    overrides = overrides or {}
    resolved = DEFAULT_PARAM.sub(lambda m: overrides.get(m[1], m[2]), command)
    assert "$" not in resolved, f"unresolved parameter in {command!r}"
    return shlex.split(resolved)


@cache
def expected_commands() -> dict[str, tuple[str, ...]]:
    return {name: tuple(resolve(cmd, CONTAINER_OVERRIDES)) for name, cmd in procfile().items()}


def option(argv: list[str] | tuple[str, ...], flag: str) -> str:
    assert flag in argv, f"{flag} missing from {argv}"
    return argv[argv.index(flag) + 1]


def procfile_port(name: str) -> int:
    return int(option(expected_commands()[name], "--bind").rsplit(":", 1)[1])


def as_argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def app_services() -> dict[str, dict]:
    """Compose services built from the application image (those with a `build:`)."""
    return {name: svc for name, svc in compose()["services"].items() if "build" in svc}


@cache
def k8s_documents() -> tuple[dict, ...]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return tuple(docs)


APP_IMAGE = "track-your-healing"


def k8s_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in k8s_documents() if doc.get("kind") == kind}


def app_deployments() -> dict[str, dict]:
    """Deployments of our image (the Procfile's processes); Flower runs its own image beside them."""
    return {name: d for name, d in k8s_kind("Deployment").items() if k8s_container(d)["image"] == APP_IMAGE}


def k8s_container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{deployment['metadata']['name']}: expected one container"
    return containers[0]


def module_file(dotted: str) -> Path:
    return ROOT.joinpath(*dotted.split(".")).with_suffix(".py")


def defines_app(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "app" for t in node.targets)
        for node in tree.body
    )


def celery_subcommand(argv: list[str] | tuple[str, ...]) -> str | None:
    """`worker` or `beat` for `celery -A module <sub> ...`; None for anything else."""
    if not argv or argv[0] != "celery":
        return None
    return argv[argv.index("-A") + 2]


# --- the Procfile itself -----------------------------------------------------------------------------


def test_procfile_has_the_expected_processes_and_one_beat():
    assert set(HTTP_PROCESSES) | set(QUEUES_BY_PROCESS) <= set(procfile())
    beats = [name for name, argv in expected_commands().items() if celery_subcommand(argv) == "beat"]
    assert beats == ["beat"]


@pytest.mark.parametrize("name", HTTP_PROCESSES)
def test_gunicorn_app_module_exists(name):
    argv = expected_commands()[name]
    assert argv[0] == "gunicorn"
    assert (ROOT / option(argv, "-c")).is_file()
    target = argv[-1]
    module, _, attr = target.partition(":")
    assert re.fullmatch(r"services\.\w+\.wsgi", module), target
    assert attr == "app"
    path = module_file(module)
    assert path.is_file(), f"{target}: {path} does not exist"
    assert defines_app(path), f"{path} does not assign `app`"


def test_celery_app_modules_exist():
    celery = {name: argv for name, argv in expected_commands().items() if argv[0] == "celery"}
    assert celery, "no celery processes in the Procfile"
    for name, argv in celery.items():
        path = module_file(option(argv, "-A"))
        assert path.is_file(), f"{name}: {path} does not exist"
        assert defines_app(path), f"{path} does not assign `app`"


@pytest.mark.parametrize(("name", "queues"), QUEUES_BY_PROCESS.items())
def test_worker_queues_match_shared_tasks(name, queues):
    assert tuple(option(expected_commands()[name], "-Q").split(",")) == queues


def test_every_queue_has_a_consumer():
    consumed = [
        queue
        for argv in expected_commands().values()
        if celery_subcommand(argv) == "worker"
        for queue in option(argv, "-Q").split(",")
    ]
    assert sorted(consumed) == sorted(ALL_QUEUES)


def test_procfile_http_ports():
    assert {name: procfile_port(name) for name in HTTP_PROCESSES} == {"ingestion": 8080, "notification": 8081}


# --- docker-compose.yml ------------------------------------------------------------------------------


def test_compose_runs_every_procfile_process_with_its_command():
    services = app_services()
    assert set(services) == set(procfile()), "compose app services and Procfile processes differ"
    for name, argv in expected_commands().items():
        assert tuple(as_argv(services[name]["command"])) == argv, f"compose {name} differs from the Procfile"


def test_compose_gunicorn_binds_all_interfaces():
    for name in HTTP_PROCESSES:
        bind = option(as_argv(app_services()[name]["command"]), "--bind")
        assert bind.startswith("0.0.0.0:"), f"{name} binds {bind}"


@pytest.mark.parametrize("name", HTTP_PROCESSES)
def test_compose_ports_and_readiness_match_procfile(name):
    service = app_services()[name]
    port = procfile_port(name)
    published = [str(p).split("/")[0].split(":") for p in service["ports"]]
    assert [(int(p[-2]), int(p[-1])) for p in published] == [(port, port)]
    probe = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/readyz" in probe
    assert "curl" not in probe and "wget" not in probe, "the slim image has neither"


def test_compose_env_names_are_known_settings():
    env = compose()["x-env"]
    unknown = set(env) - set(SPEC_BY_ENV)
    assert not unknown, f"not in shared.settings.SPECS: {sorted(unknown)}"
    assert env["TYH_ENV"] == "production"


def test_compose_secrets_are_required_never_defaulted():
    env = compose()["x-env"]
    for name in SECRET_ENVS:
        assert name in env, f"{name} missing from x-env"
        match = REQUIRED_PARAM.match(str(env[name]))
        assert match and match[1] == name, f"{name} must be `${{{name}:?...}}`, got {env[name]!r}"
    text = COMPOSE.read_text()
    for name in SECRET_ENVS:
        assert not re.search(rf"\$\{{{name}:?-", text), f"{name} has a default somewhere in compose"


def test_compose_env_values_parse_as_settings():
    for name, raw in compose()["x-env"].items():
        if REQUIRED_PARAM.match(str(raw)):
            continue
        value = DEFAULT_PARAM.sub(lambda m: m[2], str(raw))
        SPEC_BY_ENV[name].coerce(value)  # raises ValueError when invalid


def test_compose_env_points_at_compose_services():
    env, services = compose()["x-env"], compose()["services"]
    for name in ("MONGO_URI", "REDIS_URL", "CELERY_BROKER_URL"):
        assert urlsplit(env[name]).hostname in services, f"{name}={env[name]} names no compose service"
    assert env["SMTP_HOST"] in services
    assert env["REDIS_URL"] != env["CELERY_BROKER_URL"], "the broker has its own Redis database"


def test_compose_app_services_share_env_and_wait_for_healthy_infrastructure():
    env = compose()["x-env"]
    for name, service in app_services().items():
        assert service["environment"] == env, f"{name} does not use the x-env anchor"
        for dependency in INFRASTRUCTURE:
            condition = service["depends_on"][dependency]["condition"]
            assert condition == "service_healthy", f"{name} -> {dependency}: {condition}"


@pytest.mark.parametrize("name", INFRASTRUCTURE)
def test_compose_infrastructure_has_healthchecks_and_volumes(name):
    service = compose()["services"][name]
    assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
    assert service["volumes"], f"{name} keeps no data across restarts"


def test_compose_redis_keeps_the_queue():
    argv = as_argv(compose()["services"]["redis"]["command"])
    assert option(argv, "--appendonly") == "yes"
    assert option(argv, "--maxmemory-policy") == "noeviction"


def test_compose_has_exactly_one_beat():
    beats = [
        name for name, svc in app_services().items() if celery_subcommand(as_argv(svc["command"])) == "beat"
    ]
    assert beats == ["beat"]
    beat = app_services()["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1


def test_compose_builds_one_image_from_deploy_dockerfile():
    builds = {(svc["build"]["context"], svc["build"]["dockerfile"]) for svc in app_services().values()}
    assert len(builds) == 1
    ((context, dockerfile),) = builds
    path = (COMPOSE.parent / context / dockerfile).resolve()
    assert path == DOCKERFILE
    assert path.is_file()
    assert len({svc.get("image") for svc in app_services().values()}) == 1


# --- deploy/Dockerfile -------------------------------------------------------------------------------


def test_dockerfile_copies_what_the_processes_need_and_runs_unprivileged():
    text = DOCKERFILE.read_text()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {src.rstrip("/") for line in re.findall(r"^COPY (.+)$", text, re.M) for src in line.split()[:-1]}
    assert packages | {"deploy", "pyproject.toml", "constraints.txt", "LICENSE"} <= copied
    assert re.search(r"pip install -c constraints\.txt \.(\s|$)", text), "install the project, pinned"
    assert "[dev]" not in text, "no dev extras in the image"
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")


# --- .env.example ------------------------------------------------------------------------------------


@cache
def env_example() -> dict[str, tuple[bool, str]]:
    """Name -> (commented out, value) for every `NAME=value` or `# NAME=value` line."""
    entries = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            entries[match[2]] = (bool(match[1]), match[3].strip().strip('"'))
    return entries


def test_env_example_lists_every_setting():
    missing = set(SPEC_BY_ENV) - set(env_example())
    assert not missing, f"missing from .env.example: {sorted(missing)}"


def test_env_example_leaves_secrets_empty_with_a_recipe():
    for name in SECRET_ENVS:
        assert env_example()[name] == (False, ""), f"{name} must be an empty, uncommented line"
    assert "secrets.token_urlsafe(32)" in ENV_EXAMPLE.read_text()


def test_env_example_shows_the_real_defaults():
    for name, spec in SPEC_BY_ENV.items():
        if spec.secret:
            continue
        commented, value = env_example()[name]
        default = str(spec.default).lower() if isinstance(spec.default, bool) else str(spec.default)
        assert commented, f"{name}: keep defaults commented so .env overrides nothing by accident"
        assert value == default, f"{name}: .env.example shows {value!r}, the default is {default!r}"


# --- deploy/k8s --------------------------------------------------------------------------------------


def test_k8s_deploys_every_procfile_process_with_its_command():
    deployments = app_deployments()
    assert set(deployments) == set(procfile())
    for name, deployment in deployments.items():
        command = tuple(as_argv(k8s_container(deployment)["command"]))
        assert command == expected_commands()[name], f"k8s {name} differs from the Procfile"


def test_k8s_has_exactly_one_beat_recreated():
    beats = {
        name: d
        for name, d in app_deployments().items()
        if celery_subcommand(k8s_container(d)["command"]) == "beat"
    }
    assert list(beats) == ["beat"]
    assert beats["beat"]["spec"]["replicas"] == 1
    assert beats["beat"]["spec"]["strategy"]["type"] == "Recreate"


@pytest.mark.parametrize("name", HTTP_PROCESSES)
def test_k8s_http_deployments_probe_and_serve_the_procfile_port(name):
    deployment = k8s_kind("Deployment")[name]
    container = k8s_container(deployment)
    assert deployment["spec"]["replicas"] == 2
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    # Metrics on their own port, apart from the public routes: scraped from the pod, never routed.
    metrics_port = int(k8s_kind("ConfigMap")["tyh-config"]["data"]["METRICS_PORT"])
    assert ports == {"http": procfile_port(name), "metrics": metrics_port}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(metrics_port)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    service = k8s_kind("Service")[name]
    assert metrics_port not in {p.get("targetPort", p["port"]) for p in service["spec"]["ports"]}
    assert "metrics" not in {p.get("targetPort") for p in service["spec"]["ports"]}
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_k8s_containers_have_resources_and_run_unprivileged():
    for name, deployment in k8s_kind("Deployment").items():
        container = k8s_container(deployment)
        assert container["resources"]["requests"], name
        assert container["resources"]["limits"]["memory"], name
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True, name


def test_k8s_config_covers_every_setting_and_keeps_secrets_secret():
    (config,) = k8s_kind("ConfigMap").values()
    (secret,) = k8s_kind("Secret").values()
    config_keys, secret_keys = set(config["data"]), set(secret["stringData"])
    assert config_keys | secret_keys <= set(SPEC_BY_ENV)
    assert not config_keys & secret_keys
    assert secret_keys >= SECRET_ENVS
    assert config["data"]["TYH_ENV"] == "production"
    for name, value in config["data"].items():
        SPEC_BY_ENV[name].coerce(value)  # raises ValueError when invalid
    for name in SECRET_ENVS:
        with pytest.raises(ValueError):  # a forgotten placeholder stops the process
            SPEC_BY_ENV[name].coerce(secret["stringData"][name])
    for deployment in app_deployments().values():
        refs = k8s_container(deployment)["envFrom"]
        config_refs = {r["configMapRef"]["name"] for r in refs if "configMapRef" in r}
        secret_refs = {r["secretRef"]["name"] for r in refs if "secretRef" in r}
        assert config_refs == {config["metadata"]["name"]}
        assert secret_refs == {secret["metadata"]["name"]}


def test_k8s_trusts_the_ingress_as_the_one_proxy():
    # Behind the Ingress every request's socket address is the proxy's: with no trusted proxy, every
    # per-IP limit would count all clients as one.
    (config,) = k8s_kind("ConfigMap").values()
    assert SPEC_BY_ENV["TRUSTED_PROXY_COUNT"].coerce(config["data"]["TRUSTED_PROXY_COUNT"]) == 1
    assert "TRUSTED_PROXY_COUNT" in (K8S / "README.md").read_text()


def test_k8s_kustomization_lists_existing_files_but_not_the_secret_template():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    resources = kustomization["resources"]
    assert all((K8S / resource).is_file() for resource in resources)
    for resource in resources:
        kinds = {doc["kind"] for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc}
        assert "Secret" not in kinds, f"{resource}: real secrets must not come from the repository"
    deployment_files = {
        path.name
        for path in K8S.glob("*.yaml")
        for doc in yaml.safe_load_all(path.read_text())
        if doc and doc.get("kind") in ("Deployment", "Service", "ConfigMap")
    }
    assert deployment_files <= set(resources)
