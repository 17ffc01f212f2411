"""deploy/: the Zero to JupyterHub values, ngshare's manifest and the container file, checked offline.

Helm is not available here, so the values are validated against a schema derived from the chart's own
values.schema.yaml (Zero to JupyterHub 4.x) for every section they use: unknown keys, which the chart
rejects, fail here too. The container file is read instruction by instruction.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"

# --- the chart's schema, as far as these values go (from values.schema.yaml, chart 4.x) ---------------

OPEN = {"type": "object"}
NUMBER_OR_TEXT = {"type": ["number", "string", "null"]}
ENV = {"type": ["object", "array"], "additionalProperties": {
    "oneOf": [{"type": "string"},
              {"type": "object", "required": ["valueFrom"], "properties": {"valueFrom": OPEN}}]}}
RESOURCES = {"type": "object", "additionalProperties": False, "properties": {
    "requests": OPEN, "limits": OPEN}}


def closed(properties: dict, required: list[str] | None = None) -> dict:
    """An object that, like the chart's schema, accepts only the keys it names."""
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def known(*names: str) -> dict:
    return {name: {} for name in names}


Z2JH_SCHEMA = closed({
    **known("enabled", "fullnameOverride", "nameOverride", "imagePullSecret", "imagePullSecrets", "ingress",
            "httpRoute", "prePuller", "custom", "debug", "rbac", "global"),
    "hub": closed({
        **known("revisionHistoryLimit", "extraFiles", "baseUrl", "command", "args", "cookieSecret", "image",
                "networkPolicy", "labels", "initContainers", "fsGid", "service", "pdb", "nodeSelector",
                "tolerations", "activeServerLimit", "allowNamedServers", "annotations", "authenticatePrometheus",
                "concurrentSpawnLimit", "consecutiveFailureLimit", "podSecurityContext",
                "containerSecurityContext", "deploymentStrategy", "extraContainers", "extraVolumeMounts",
                "extraVolumes", "livenessProbe", "readinessProbe", "namedServerLimitPerUser", "redirectToServer",
                "lifecycle", "shutdownOnLogout", "templatePaths", "templateVars", "serviceAccount",
                "extraPodSpec"),
        "existingSecret": {"type": ["string", "null"]},
        "config": {"type": "object", "additionalProperties": False,
                   "patternProperties": {"^[A-Z].*$": {"type": "object"}}},
        "db": closed({"type": {"enum": ["sqlite-pvc", "sqlite-memory", "mysql", "postgres", "other"]},
                      "url": {"type": ["string", "null"]}, **known("pvc", "upgrade", "password")}),
        "services": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "name": {"type": "string"}, "admin": {"type": "boolean"}, "command": {"type": ["string", "array"]},
            "url": {"type": "string"}, "api_token": {"type": ["string", "null"]},
            "apiToken": {"type": ["string", "null"]}}}},
        "loadRoles": OPEN,
        "extraEnv": ENV,
        "extraConfig": {"type": "object", "additionalProperties": {"type": "string"}},
        "resources": RESOURCES,
    }),
    "proxy": closed({
        **known("service", "traefik", "labels", "annotations", "deploymentStrategy", "secretSync", "secretToken"),
        "https": closed({"enabled": {"type": ["boolean", "null"]}, "type": {"enum": ["letsencrypt", "manual",
                                                                                      "offload", "secret"]},
                         "hosts": {"type": "array", "items": {"type": "string"}},
                         **known("letsencrypt", "manual", "secret")}),
        "chp": {"type": "object", "properties": {"resources": RESOURCES}},
    }),
    "singleuser": closed({
        **known("podNameTemplate", "initContainers", "profileList", "extraFiles", "nodeSelector",
                "extraTolerations", "extraNodeAffinity", "extraPodAffinity", "extraPodAntiAffinity",
                "cloudMetadata", "events", "extraAnnotations", "extraContainers", "extraLabels",
                "extraPodConfig", "extraResource", "lifecycleHooks", "networkTools", "serviceAccountName",
                "allowPrivilegeEscalation"),
        "cpu": closed({"limit": {"type": ["number", "null"]}, "guarantee": {"type": ["number", "null"]}}),
        "memory": closed({"limit": NUMBER_OR_TEXT, "guarantee": NUMBER_OR_TEXT}),
        "image": closed({"name": {"type": "string"}, "tag": {"type": "string"}, **known("pullPolicy",
                                                                                          "pullSecrets")}),
        "extraEnv": ENV,
        "cmd": {"type": ["array", "string", "null"]},
        "defaultUrl": {"type": ["string", "null"]},
        "uid": {"type": ["integer", "null"]},
        "fsGid": {"type": ["integer", "null"]},
        "startTimeout": {"type": ["integer", "null"]},
        "storage": closed({"type": {"enum": ["dynamic", "static", "none"]}, "homeMountPath": {"type": "string"},
                           **known("capacity", "dynamic", "extraLabels", "extraVolumeMounts", "extraVolumes",
                                   "static")}, required=["type", "homeMountPath"]),
        "networkPolicy": closed(known("enabled", "ingress", "egress", "egressAllowRules",
                                      "interNamespaceAccessLabels", "allowedIngressPorts")),
    }),
    "scheduling": closed({name: OPEN for name in ("userScheduler", "podPriority", "userPlaceholder", "corePods",
                                                  "userPods")}),
    "cull": closed({"enabled": {"type": "boolean"}, "timeout": {"type": ["integer", "null"]},
                    "every": {"type": ["integer", "null"]},
                    **known("users", "adminUsers", "removeNamedServers", "concurrency", "maxAge")}),
})


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ngshare_manifests() -> dict[str, dict]:
    documents = yaml.safe_load_all((DEPLOY / "ngshare.yaml").read_text(encoding="utf-8"))
    return {doc["kind"]: doc for doc in documents}


def test_do_the_values_pass_the_charts_schema(values):
    jsonschema.validate(values, Z2JH_SCHEMA)


def test_would_the_schema_catch_a_misspelt_key(values):
    """The derived schema is only worth something if it refuses what the chart refuses."""
    broken = {**values, "singleuser": {**values["singleuser"], "memmory": {"limit": "1G"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, Z2JH_SCHEMA)


def test_do_learners_reach_ngshare_as_a_hub_service(values, ngshare_manifests):
    (name, service), = values["hub"]["services"].items()
    assert name == "ngshare"
    learners_url = urlparse(values["singleuser"]["extraEnv"]["ENSAK_NGSHARE_URL"])
    assert learners_url.hostname == "proxy-public" and learners_url.path == f"/services/{name}"
    # The hub proxies to the Service in ngshare.yaml, which sends to the port ngshare listens on.
    hub_url = urlparse(service["url"])
    kube_service = ngshare_manifests["Service"]
    assert hub_url.hostname == kube_service["metadata"]["name"]
    assert hub_url.port == kube_service["spec"]["ports"][0]["port"]
    container = ngshare_manifests["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert urlparse(env["JUPYTERHUB_SERVICE_URL"]["value"]).port == kube_service["spec"]["ports"][0]["targetPort"]
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{name}/"
    # The token the chart generates for the service, from the Secret the chart names after it.
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == f"hub.services.{name}.apiToken"
    assert container["command"][:3] == ["python", "-m", "ensak.nbgrader.ngshare_service"]


def test_does_the_gradebook_reach_coordinators_only(values):
    """The gradebook's address comes from a Secret into the hub, and the hub gives it to coordinators alone."""
    assert "ENSAK_DB_URL" not in values["singleuser"]["extraEnv"]
    assert "secretKeyRef" in values["hub"]["extraEnv"]["ENSAK_DB_URL"]["valueFrom"]
    hook = values["hub"]["extraConfig"]["ensak-roles"]
    assert 'spawner.environment["ENSAK_DB_URL"]' in hook and "if name in coordinators" in hook
    compile(hook, "ensak-roles", "exec")


def test_are_no_secrets_written_into_the_values(values):
    text = (DEPLOY / "values.yaml").read_text(encoding="utf-8")
    assert "client_secret" not in values["hub"]["config"]["GenericOAuthenticator"]
    assert "cookieSecret" not in values["hub"]
    database = urlparse(values["hub"]["db"]["url"])
    assert database.password is None
    assert not re.search(r"(token|secret|password)\s*:\s*['\"]?[A-Za-z0-9+/]{20,}", text, re.I)


def test_do_resource_limits_leave_room_above_the_guarantees(values):
    def in_bytes(text: str) -> float:
        # Kubernetes quantities as the chart passes them on: M and G are powers of ten.
        number, unit = re.fullmatch(r"([\d.]+)([MG])", text).groups()
        return float(number) * {"M": 1e6, "G": 1e9}[unit]

    memory, cpu = values["singleuser"]["memory"], values["singleuser"]["cpu"]
    assert in_bytes(memory["guarantee"]) < in_bytes(memory["limit"])
    assert 0 < cpu["guarantee"] < cpu["limit"]


def test_is_the_learner_setup_where_the_image_installs_it(values):
    """The hook points learners at ensak's learner settings inside the image's environment."""
    import ensak

    assert (Path(ensak.__file__).parent / "hub" / "learner" / "nbgrader_config.py").is_file()
    hook = values["hub"]["extraConfig"]["ensak-roles"]
    path = re.search(r'"(/opt/ensak/venv/lib/python(\d\.\d+)/site-packages/ensak/hub/learner)"', hook)
    assert path, "the learner settings path is missing from the hook"
    assert f"python:{path.group(2)}" in containerfile_text()


# --- the container file --------------------------------------------------------------------------


def containerfile_text() -> str:
    return (DEPLOY / "Containerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments left out."""
    joined = re.sub(r"\\\n\s*", " ", containerfile_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_does_the_image_install_exactly_the_locked_environment():
    steps = instructions()
    runs = [args for keyword, args in steps if keyword == "RUN"]
    syncs = [shlex.split(args) for args in runs if "uv sync" in args]
    assert syncs, "the image never runs uv sync"
    for sync in syncs:
        assert "--locked" in sync and "--no-dev" in sync, sync
    assert "--no-editable" in syncs[-1]
    # Nothing installed beside the lock: the only pip install is uv itself, pinned.
    for args in runs:
        if "pip install" in args:
            assert re.fullmatch(r"pip install --no-cache-dir uv==[\d.]+", args), args
    # The lock is in the image before the first sync reads it.
    first_sync = next(i for i, (k, a) in enumerate(steps) if k == "RUN" and "uv sync" in a)
    lock_copy = next(i for i, (k, a) in enumerate(steps) if k == "COPY" and "uv.lock" in a.split())
    assert lock_copy < first_sync


def test_is_the_image_python_the_one_the_lock_was_made_for():
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    base = next(args for keyword, args in instructions() if keyword == "FROM")
    version = re.search(r"python:(\d+\.\d+)", base).group(1)
    minimum = re.search(r">=\s*(\d+\.\d+)", lock["requires-python"]).group(1)
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.split(".")))


def test_does_the_image_keep_the_answer_keys_out_and_run_as_jovyan():
    steps = instructions()
    copied = [a.split()[0] for k, a in steps if k == "COPY"]
    assert not any(c.rstrip("/") in ("source", ".") for c in copied), "source/ holds the answer keys"
    assert ("USER", "1000") in steps
    assert steps[-1] == ("CMD", '["jupyterhub-singleuser"]')


def test_does_the_image_give_learners_the_task_panel_built_from_this_checkout():
    """Without the ensak-lab extension a learner on Kubernetes could neither fetch nor submit (nbgrader's
    own panel is off in the learners' settings): the image copies the bootstrap build into its environment."""
    from ensak.hub.lab_extension import EXTENSION_NAME, build_dir

    built = str(build_dir().relative_to(REPO))
    workdir, target = "/", None
    for keyword, args in instructions():
        if keyword == "WORKDIR":
            workdir = args
        elif keyword == "COPY" and built in args.split()[:-1]:
            target = Path(workdir, args.split()[-1]).resolve()
    assert target is not None, f"the image never copies {built}"
    env = dict(re.findall(r"(\w+)=(\S+)", next(a for k, a in instructions() if k == "ENV")))
    assert target == Path(env["UV_PROJECT_ENVIRONMENT"]) / "share" / "jupyter" / "labextensions" / EXTENSION_NAME
