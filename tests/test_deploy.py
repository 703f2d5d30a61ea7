"""Production deployment files agree with the code (no Docker engine needed).

docker-compose.yml parses and references existing files; every variable the web/worker
containers get is a Settings field or a documented compose-only variable; .env.example
documents every Settings field; the Dockerfile runs the same `whatrack` CLI the tests import.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from whatrack.cli import app as cli_app
from whatrack.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
APP_SERVICES = ("web", "worker")
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what the container binds
VAR_LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$")
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}")
# Variables the third-party images read (not ours to document as app settings).
IMAGE_VARS = {
    "postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"},
    "centrifugo": {
        "CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY",
        "CENTRIFUGO_HTTP_API_KEY",
        "CENTRIFUGO_ENGINE_REDIS_ADDRESS",
        "CENTRIFUGO_CLIENT_ALLOWED_ORIGINS",
    },
    "s3": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
    "wuzapi": {
        "WUZAPI_ADMIN_TOKEN",
        "WUZAPI_GLOBAL_ENCRYPTION_KEY",
        "WEBHOOK_FORMAT",
        "WEBHOOK_RETRY_ENABLED",
        "WEBHOOK_RETRY_COUNT",
        "WEBHOOK_RETRY_DELAY_SECONDS",
        "TZ",
    },
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def settings_vars() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def env_example() -> dict[str, list[str]]:
    """Documented variable -> the comment lines right above it."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    documented: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        m = VAR_LINE.match(line)
        if not m:
            continue
        comment: list[str] = []
        j = i - 1
        while j >= 0 and lines[j].startswith("#") and not VAR_LINE.match(lines[j]):
            comment.insert(0, lines[j].lstrip("# ").strip())
            j -= 1
        documented[m.group(1)] = comment
    return documented


def resolve(value: str) -> str:
    """Interpolate like compose with an empty .env: `${X:-default}` -> default, else a sample."""

    def one(m: re.Match[str]) -> str:
        default = re.match(r"\$\{[A-Za-z0-9_]+:-([^}]*)\}", m.group(0))
        return default.group(1) if default else "sample"

    return INTERPOLATION.sub(one, value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def dockerignored(path: str) -> bool:
    ignored = False
    for raw in DOCKERIGNORE.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        candidates = [pattern, f"{pattern}/*"] + (
            [pattern[3:], f"{pattern[3:]}/*"] if pattern.startswith("**/") else []
        )
        if any(fnmatch.fnmatch(path, c) for c in candidates):
            ignored = not negate
    return ignored


# --- docker-compose.yml -------------------------------------------------------------------------
def test_compose_has_the_production_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= {"web", "worker", "postgres", "redis", "centrifugo", "wuzapi", "s3"}
    assert services["s3"]["image"].startswith("chrislusf/seaweedfs:")
    assert services["s3"]["command"][:2] == ["server", "-dir=/data"] and "-s3" in services["s3"]["command"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["centrifugo"]["image"] == "centrifugo/centrifugo:v6"
    assert services["centrifugo"]["command"] == ["centrifugo", "-c", "/centrifugo/config.json"]
    assert services["wuzapi"]["image"].startswith("asternic/wuzapi")
    assert environment(services["wuzapi"])["WEBHOOK_FORMAT"] == "json"
    assert services["web"]["command"][:2] == ["whatrack", "serve"]
    assert services["worker"]["command"] == ["whatrack", "worker"]
    for name in ("pgdata", "s3data", "media", "wuzapi-db", "wuzapi-files"):
        assert name in compose["volumes"]


def test_every_service_has_a_healthcheck_and_waits_for_healthy_dependencies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert cond["condition"] in {"service_healthy", "service_completed_successfully"}, (name, dep)
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"  # web migrates first
    assert services["centrifugo"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["s3"]["condition"] == "service_healthy"


def test_compose_references_existing_files(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        build = service.get("build")
        if build is not None:
            context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            assert (context / dockerfile).is_file(), f"{name}: missing {dockerfile}"
        for item in service.get("env_file") or []:
            path, required = (item, True) if isinstance(item, str) else (item["path"], item.get("required", True))
            assert not required or (ROOT / path).is_file(), f"{name}: required env_file {path} missing"
        for volume in service.get("volumes") or []:
            source = str(volume).split(":", 1)[0]
            if source.startswith((".", "/")):  # a bind mount, not a named volume
                assert (ROOT / source).exists(), f"{name}: bind mount {source} does not exist"
            else:
                assert source in compose["volumes"], f"{name}: undeclared volume {source}"
    json.loads((ROOT / "config" / "centrifugo.json").read_text())


def test_app_containers_only_get_settings_or_documented_variables(compose: dict[str, Any]) -> None:
    fields = settings_vars()
    documented = set(env_example())
    for name in APP_SERVICES:
        for var in environment(compose["services"][name]):
            assert var.upper() in fields or var in documented, (
                f"{name}: {var} is neither a Settings field nor documented"
            )
    for var in dockerfile_env():
        if not var.startswith(("PYTHON", "PIP_")):  # the interpreter's own
            assert var.upper() in fields, f"Dockerfile ENV {var} is not a Settings field"


def test_image_variables_are_the_expected_ones(compose: dict[str, Any]) -> None:
    for name, expected in IMAGE_VARS.items():
        assert set(environment(compose["services"][name])) <= expected, name


def test_every_interpolated_variable_is_documented() -> None:
    documented = set(env_example())
    used = set(INTERPOLATION.findall(COMPOSE.read_text()))
    assert used, "no ${VAR} found: the pattern is broken"
    assert used <= documented, f"undocumented in .env.example: {sorted(used - documented)}"
    # Secrets have no default: compose refuses to start without them.
    for secret in (
        "POSTGRES_PASSWORD",
        "CENTRIFUGO_API_KEY",
        "CENTRIFUGO_TOKEN_SECRET",
        "WUZAPI_ADMIN_TOKEN",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
    ):
        assert f"${{{secret}:?" in COMPOSE.read_text(), secret


def test_centrifugo_and_app_share_the_secrets(compose: dict[str, Any]) -> None:
    centrifugo = environment(compose["services"]["centrifugo"])
    for name in APP_SERVICES:
        app_env = environment(compose["services"][name])
        assert app_env["CENTRIFUGO_URL"] == "http://centrifugo:8000"
        assert INTERPOLATION.findall(app_env["CENTRIFUGO_API_KEY"]) == INTERPOLATION.findall(
            centrifugo["CENTRIFUGO_HTTP_API_KEY"]
        )
        assert INTERPOLATION.findall(app_env["CENTRIFUGO_TOKEN_SECRET"]) == INTERPOLATION.findall(
            centrifugo["CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY"]
        )
        assert app_env["WUZAPI_ADMIN_URL"] == "http://wuzapi:8080"
        assert app_env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        # Settings accepts what compose gives (interpolations replaced by sample values).
        sample = {k: resolve(v) for k, v in app_env.items() if k.upper() in settings_vars()}
        settings = Settings(_env_file=None, **{k.lower(): v for k, v in sample.items()})  # type: ignore[arg-type]  # str values, parsed by pydantic
        assert settings.centrifugo_url == "http://centrifugo:8000"
        assert settings.cookie_secure is True and settings.log_json is True
        # media in the S3 service, signed with the credentials the S3 service was given
        assert settings.media_store_url == "s3://whatrack-media/media"
        assert settings.s3_endpoint_url == "http://s3:8333" and settings.media_delivery == "stream"
        s3 = environment(compose["services"]["s3"])
        assert INTERPOLATION.findall(app_env["S3_ACCESS_KEY_ID"]) == INTERPOLATION.findall(s3["AWS_ACCESS_KEY_ID"])
        assert INTERPOLATION.findall(app_env["S3_SECRET_ACCESS_KEY"]) == INTERPOLATION.findall(
            s3["AWS_SECRET_ACCESS_KEY"]
        )


# --- .env.example -------------------------------------------------------------------------------
def test_env_example_documents_every_setting() -> None:
    documented = env_example()
    missing = settings_vars() - set(documented)
    assert not missing, f".env.example lacks {sorted(missing)}"
    for var, comment in documented.items():
        assert comment, f".env.example: {var} has no comment above it"


def test_env_example_is_loadable_by_settings(tmp_path: Path) -> None:
    # Only uncommented lines take effect; they must not break `Settings` (e.g. empty ints).
    settings = Settings(_env_file=ENV_EXAMPLE)
    assert settings.port == 8000


# --- Dockerfile ---------------------------------------------------------------------------------
def test_dockerfile_builds_frontend_then_python_as_non_root() -> None:
    instructions = dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms[0].startswith("node:20") and froms[-1].startswith("python:3.11-slim")
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "npm ci" in runs and "npm run build" in runs and "pip install ." in runs
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    # The built front end lands where STATIC_DIR points (COPY destinations are relative to WORKDIR).
    static_dir = dockerfile_env()["STATIC_DIR"]
    workdir = "/"
    landed = []
    for keyword, rest in instructions:
        if keyword == "WORKDIR":
            workdir = posixpath.join(workdir, rest)
        elif keyword == "COPY" and "--from=frontend" in rest:
            landed.append(posixpath.normpath(posixpath.join(workdir, rest.split()[-1])))
    assert landed == [static_dir]


def test_dockerfile_copies_existing_files_not_excluded_by_dockerignore() -> None:
    for keyword, rest in dockerfile_instructions():
        if keyword != "COPY" or "--from=" in rest:
            continue
        *sources, _dest = shlex.split(rest)
        for source in sources:
            path = source.rstrip("/")
            assert (ROOT / path).exists(), f"COPY {source}: missing"
            assert not dockerignored(path), f"COPY {source}: excluded by .dockerignore"
    assert dockerignored("frontend/node_modules") and dockerignored(".venv") and dockerignored(".env")
    assert not dockerignored("frontend/package-lock.json")


def _exec_form(rest: str) -> list[str]:
    value = json.loads(rest)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def test_dockerfile_cmd_is_the_whatrack_cli_the_tests_run(compose: dict[str, Any]) -> None:
    cmd = _exec_form([rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"][-1])
    assert cmd == ["whatrack", "serve", "--no-demo", "--host", ALL_INTERFACES]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[cmd[0]] == "whatrack.cli:main"

    runner = CliRunner()
    commands = [cmd[1:], compose["services"]["web"]["command"][1:], compose["services"]["worker"]["command"][1:]]
    for argv in [*commands, ["db", "upgrade"]]:
        words = [a for a in argv if not a.startswith("-") and a != ALL_INTERFACES]
        result = runner.invoke(cli_app, [*words, "--help"])
        assert result.exit_code == 0, (argv, result.output)
        for option in (a for a in argv if a.startswith("--")):
            assert option in result.output, f"`whatrack {' '.join(words)}` has no {option}"
