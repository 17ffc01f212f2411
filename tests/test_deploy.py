"""deploy/: the Zero to JupyterHub values, ngshare's manifest and the container file, checked offline.

Helm is not available here, so the values are validated against a schema derived from the chart's own
values.schema.yaml (Zero to JupyterHub 4.x) for every section they use: unknown keys, which the chart
rejects, fail here too. The container file is read instruction by instruction.
"""

from __future__ import annotations

import copy
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


def manifests(file_name: str) -> dict[str, dict]:
    documents = yaml.safe_load_all((DEPLOY / file_name).read_text(encoding="utf-8"))
    return {doc["kind"]: doc for doc in documents}


@pytest.fixture(scope="module")
def ngshare_manifests() -> dict[str, dict]:
    return manifests("ngshare.yaml")


@pytest.fixture(scope="module")
def blog_manifests() -> dict[str, dict]:
    return manifests("kursbloggen.yaml")


def test_do_the_values_pass_the_charts_schema(values):
    jsonschema.validate(values, Z2JH_SCHEMA)


def test_would_the_schema_catch_a_misspelt_key(values):
    """The derived schema is only worth something if it refuses what the chart refuses."""
    broken = {**values, "singleuser": {**values["singleuser"], "memmory": {"limit": "1G"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, Z2JH_SCHEMA)


def test_do_learners_reach_ngshare_as_a_hub_service(values, ngshare_manifests):
    name = "ngshare"
    service = values["hub"]["services"][name]
    learners_url = urlparse(values["singleuser"]["extraEnv"]["ENSAK_NGSHARE_URL"])
    # With the chart's Let's Encrypt front (proxy.https.type), proxy-public redirects plain HTTP to the public
    # host; the chart's proxy-http Service reaches the proxy itself inside the cluster.
    assert values["proxy"]["https"]["type"] == "letsencrypt"
    assert (learners_url.hostname, learners_url.port) == ("proxy-http", 8000)
    assert learners_url.path == f"/services/{name}"
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


# --- Kursbloggen: deploy/kursbloggen.yaml and its wiring in the values ----------------------------------

FURTHER_COURSE = "syd2027"


def further_course(text: str, course_id: str) -> str:
    """deploy/README.md's recipe for a further course's blog: every "kursbloggen" becomes "kursbloggen-<course id>"
    except in the program's name and the stylesheet's."""
    return re.sub(r"(?<!outreach\.)kursbloggen(?!\.css)", f"kursbloggen-{course_id}", text)


@pytest.fixture(scope="module", params=["first course", "further course"])
def blog(request, values) -> tuple[str, dict, dict[str, dict], dict[str, str]]:
    """(the blog's service name, the values, its manifests, {course id: blog} of the hub): as shipped, and as the
    README makes them for a further course, named as `ensak hub --with-course` names that course's blog."""
    from ensak.hub.blog_service import blog_services
    from ensak.learner.blog_client import BLOG_URL_VARIABLE, BLOG_URLS_VARIABLE

    first, further = (service.name for service in blog_services({Path("norr"): "norr2027",
                                                                 Path("syd"): FURTHER_COURSE}, [0, 0]))
    if request.param == "first course":
        return first, values, manifests("kursbloggen.yaml"), {"norr2027": first}
    documents = yaml.safe_load_all(further_course((DEPLOY / "kursbloggen.yaml").read_text(encoding="utf-8"),
                                                  FURTHER_COURSE))
    extended = copy.deepcopy(values)
    service = yaml.safe_load(further_course(yaml.safe_dump(values["hub"]["services"][first]), FURTHER_COURSE))
    extended["hub"]["services"][further] = service
    extended["hub"]["loadRoles"]["user"]["scopes"].append(f"access:services!service={further}")
    # The learners' servers: every course's blog by course id, as the README's example has it.
    example = re.search(rf"`{BLOG_URLS_VARIABLE}`[^`]*`'(\{{[^']*\}})'`", readme_text())
    assert example, f"the README has no example of {BLOG_URLS_VARIABLE}"
    learners_env = extended["singleuser"]["extraEnv"]
    del learners_env[BLOG_URL_VARIABLE]
    learners_env[BLOG_URLS_VARIABLE] = example.group(1).replace("<host>", values["proxy"]["https"]["hosts"][0])
    found = {doc["kind"]: doc for doc in documents}
    assert found["Service"]["metadata"]["name"] == further, "the README's recipe names the blog as `ensak hub` does"
    return further, extended, found, {"norr2027": first, FURTHER_COURSE: further}


def blog_container(blog_manifests) -> dict:
    return blog_manifests["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def blog_env(blog_manifests) -> dict[str, dict]:
    return {e["name"]: e for e in blog_container(blog_manifests)["env"]}


def blog_arguments(blog_manifests) -> dict[str, str]:
    """The command's options, as {"--course-dir": value, ...}."""
    command = blog_container(blog_manifests)["command"]
    assert command[:3] == ["python", "-m", "ensak.outreach.kursbloggen"]
    options = command[3:]
    return dict(zip(options[::2], options[1::2]))


def mounted(blog_manifests, path: str) -> dict:
    """The pod's volume mounted at `path`, or one of its parents."""
    spec = blog_manifests["Deployment"]["spec"]["template"]["spec"]
    mount = next(m for m in blog_container(blog_manifests)["volumeMounts"]
                 if Path(path) == Path(m["mountPath"]) or Path(m["mountPath"]) in Path(path).parents)
    return next(v for v in spec["volumes"] if v["name"] == mount["name"]) | {"mount": mount}


def chart_services(values) -> list[dict]:
    """c.JupyterHub.services as the chart's jupyterhub_config.py makes it from hub.services (name from the key)."""
    return [{"name": key, **service} for key, service in values["hub"]["services"].items()]


def blog_names(values) -> list[str]:
    from ensak.hub.blog_service import SERVICE_NAME

    return [name for name in values["hub"]["services"] if name == SERVICE_NAME or name.startswith(SERVICE_NAME + "-")]


def readme_text() -> str:
    return (DEPLOY / "README.md").read_text(encoding="utf-8")


def test_does_the_hub_proxy_kursbloggen_to_its_pod(blog):
    """The hub's service, the Kubernetes Service and the port the blog listens on are one chain."""
    from ensak.hub.blog_service import BlogService

    name, values, blog_manifests, _ = blog
    service = values["hub"]["services"][name]
    kube_service = blog_manifests["Service"]
    hub_url = urlparse(service["url"])
    assert hub_url.hostname == kube_service["metadata"]["name"]
    assert hub_url.port == kube_service["spec"]["ports"][0]["port"]
    env = blog_env(blog_manifests)
    listening = urlparse(env["JUPYTERHUB_SERVICE_URL"]["value"])
    target = kube_service["spec"]["ports"][0]["targetPort"]
    assert listening.port == target == blog_container(blog_manifests)["ports"][0]["containerPort"]
    assert blog_arguments(blog_manifests)["--listen-ip"] == "0.0.0.0", "the proxy comes from another pod"
    prefix = BlogService(name, Path("."), "", 0).url("")
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == name
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == prefix
    deployment = blog_manifests["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert kube_service["spec"]["selector"].items() <= labels.items()
    # The hub's network policy admits pods with this label (OAuth and token checks go to the hub's API).
    assert labels["hub.jupyter.org/network-access-hub"] == "true"
    probe = blog_container(blog_manifests)["readinessProbe"]["httpGet"]
    assert probe["port"] == target and probe["path"].startswith(prefix + "static/")
    import ensak.outreach.kursbloggen as package

    assert (Path(package.__file__).parent / "static" / probe["path"].removeprefix(prefix + "static/")).is_file()


def test_does_the_blog_pod_speak_oauth_with_the_hub_as_the_hub_expects(blog, monkeypatch):
    """JupyterHub's own classes read the pod's environment: the client id, callback and access scope they
    arrive at are what the hub's service entry registers, and the blog answers at that callback."""
    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler
    from jupyterhub.services.service import Service
    from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

    from ensak.hub.blog_service import BlogService
    from ensak.outreach.kursbloggen.app import make_app
    from ensak.outreach.kursbloggen.database import open_blog_database
    from ensak.outreach.kursbloggen.settings import BlogSettings

    name, values, blog_manifests, _ = blog
    env = blog_env(blog_manifests)
    # The token the chart generates for the service, from the Secret the chart names after it.
    token = env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert (token["name"], token["key"]) == ("hub", f"hub.services.{name}.apiToken")
    for variable, entry in env.items():
        if variable.startswith("JUPYTERHUB_"):
            monkeypatch.setenv(variable, entry.get("value", "secret-from-kubernetes"))
    oauth = HubOAuth()
    service = values["hub"]["services"][name]
    assert oauth.oauth_client_id == service["oauth_client_id"] == Service(name=name).oauth_client_id
    assert oauth.oauth_redirect_uri == service["oauth_redirect_uri"]
    assert oauth.access_scopes == {BlogService(name, Path("."), "", 0).access_scope}
    assert urlparse(oauth.api_url).hostname == "hub" and urlparse(oauth.api_url).port == 8081
    assert service["oauth_no_confirm"] is True

    prefix = env["JUPYTERHUB_SERVICE_PREFIX"]["value"]
    app = make_app(BlogSettings(course_dir=Path("."), course_id="k", course_title="K", db_url="sqlite://",
                                prefix=prefix), open_blog_database("sqlite://"), hub=True)
    callback = RequestStartLine("GET", service["oauth_redirect_uri"] + "?code=x", "HTTP/1.1")
    found = app.find_handler(HTTPServerRequest(start_line=callback, headers=HTTPHeaders({"Host": name})))
    assert found.handler_class is HubOAuthCallbackHandler


def test_does_the_blog_pod_have_its_course_database_and_cookie_secret(blog):
    """The course folder is the ConfigMap the README makes (what a course directory must hold), the cookie secret
    a Secret key the README makes, the database the gradebook's Secret; the pod runs as the image's user."""
    from ensak.hub.blog_service import PASSED_ON
    from ensak.nbgrader.api import CONFIG_FILE, PLAN_FILE

    _, values, blog_manifests, _ = blog
    arguments, readme = blog_arguments(blog_manifests), readme_text()
    course = mounted(blog_manifests, arguments["--course-dir"])
    assert course["mount"]["mountPath"] == arguments["--course-dir"] and course["mount"]["readOnly"]
    configmap = re.search(rf"kubectl -n ensak create configmap {re.escape(course['configMap']['name'])}"
                          r"((?: --from-file=\S+)+)", readme)
    assert configmap, f"the README never makes the ConfigMap {course['configMap']['name']}"
    assert set(re.findall(r"--from-file=(\S+)", configmap.group(1))) == {CONFIG_FILE, PLAN_FILE}

    secret_file = Path(arguments["--cookie-secret-file"])
    cookie = mounted(blog_manifests, str(secret_file))
    made = re.search(rf"kubectl -n ensak create secret generic {re.escape(cookie['secret']['secretName'])} "
                     r"--from-literal=(\S+)=\$\(openssl rand -hex 32\)", readme)
    assert made, f"the README never makes the Secret {cookie['secret']['secretName']}"
    assert made.group(1) == secret_file.name and secret_file.parent == Path(cookie["mount"]["mountPath"])

    env = blog_env(blog_manifests)
    ensak_names = {variable for variable in env if variable.startswith("ENSAK_")}
    assert ensak_names and ensak_names <= set(PASSED_ON), "the blog reads only what `ensak hub` passes on"
    assert env["ENSAK_DB_URL"]["valueFrom"] == values["hub"]["extraEnv"]["ENSAK_DB_URL"]["valueFrom"]
    security = blog_manifests["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsUser"] == values["singleuser"]["uid"] == 1000
    assert "USER 1000" in containerfile_text()
    image = values["singleuser"]["image"]
    assert blog_container(blog_manifests)["image"] == ngshare_container_image() == f"{image['name']}:{image['tag']}"
    assert "kubectl -n ensak apply -f deploy/kursbloggen.yaml" in readme


def ngshare_container_image() -> str:
    return manifests("ngshare.yaml")["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"]


def test_may_every_hub_user_be_handed_to_every_course_blog(blog):
    """JupyterHub's default "user" role, which every user has, keeps its own scopes and gains each blog's
    access scope; the blog then admits only its course's members."""
    from jupyterhub.roles import get_default_roles

    from ensak.hub.blog_service import BlogService

    _, values, _, _ = blog
    (default_user_role,) = [role for role in get_default_roles() if role["name"] == "user"]
    role = values["hub"]["loadRoles"][default_user_role["name"]]
    assert set(default_user_role["scopes"]) <= set(role["scopes"])
    assert "users" not in role and "groups" not in role, "the default role is every user's: no list to keep"
    blogs = blog_names(values)
    assert blogs and {BlogService(name, Path("."), "", 0).access_scope for name in blogs} <= set(role["scopes"])


def test_do_learners_servers_reach_the_blog_with_their_own_token(blog):
    """The learners' environment names each course's blog where the learner's side looks for it, and the hook gives
    their servers' token the same scopes `ensak hub` gives (ensak.hub.blog_service), for every course's blog."""
    from traitlets.config import Config

    from ensak.hub.blog_service import BlogService, blog_hub_config
    from ensak.learner.blog_client import blog_url_from_environment

    _, values, _, courses = blog
    public_host = values["proxy"]["https"]["hosts"][0]
    learners_env = values["singleuser"]["extraEnv"]
    for course_id, name in courses.items():
        assert blog_url_from_environment(learners_env, course_id) == \
            BlogService(name, Path("."), course_id, 0).url(f"https://{public_host}")

    c = Config()
    c.JupyterHub.services = chart_services(values)
    exec(values["hub"]["extraConfig"]["ensak-kursbloggen"], {"c": c})
    blogs = [BlogService(name, Path("."), name, 0) for name in blog_names(values)]
    expected = blog_hub_config(blogs, f"https://{public_host}", [], environ={}).server_token_scopes
    assert list(c.Spawner.server_token_scopes) == expected


def test_is_no_secret_written_into_the_blogs_manifest(blog_manifests):
    text = (DEPLOY / "kursbloggen.yaml").read_text(encoding="utf-8")
    assert "Secret" not in {doc["kind"] for doc in blog_manifests.values()}
    for name, entry in blog_env(blog_manifests).items():
        if re.search(r"TOKEN|SECRET|PASSWORD|DB_URL", name):
            assert "secretKeyRef" in entry["valueFrom"], name
    assert not re.search(r"(token|secret|password)\s*:\s*['\"]?[A-Za-z0-9+/]{20,}", text, re.I)


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
