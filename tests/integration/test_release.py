# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release gates: the collection tarball builds, installs, runs, passes galaxy-importer, makes an EE context,
and runs as an AWX job does (credentials injected as environment variables only).

Everything runs offline: the tarball is installed from its file, galaxy-importer runs without its
ansible-test step (that needs a container), and ``ansible-builder create`` needs no container engine.
"""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import ansible_runner
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.integration.conftest import REPO

BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
TARBALL_NAME = "%s-%s-%s.tar.gz" % (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py"))

# Build output, caches and local state: never in the tarball.
NOT_SHIPPED = (
    ".venv/",
    ".venv-matrix/",
    ".ansible/",
    "collections/",
    "build/",
    "tests/output/",
    ".emulator/",
    ".ci/",
    ".pytest_cache/",
    ".hypothesis/",
    ".git/",
    "__pycache__/",
)

# The documented way of running the demo and jobs: every setting from the environment, nothing else.
CLOUD_ENV_PREFIXES = ("UCLOUD_", "TENCENTCLOUD_")


def run(args, **kwargs):
    """Run a command; return its output, failing the test with that output when it fails."""
    kwargs.setdefault("env", dict(os.environ, PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")])))
    proc = subprocess.run(
        [str(arg) for arg in args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, **kwargs
    )
    assert proc.returncode == 0, "%s exited with %s:\n%s" % (" ".join(map(str, args)), proc.returncode, proc.stdout)
    return proc.stdout


def clean_env(**extra):
    """The test process's environment without any cloud settings, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(CLOUD_ENV_PREFIXES)}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, REPO])
    built = list(out.glob("*.tar.gz"))
    assert [path.name for path in built] == [TARBALL_NAME]
    return built[0]


@pytest.fixture(scope="module")
def installed(tarball, tmp_path_factory):
    """A fresh collections path with the tarball installed (no Galaxy server needed: no dependencies)."""
    path = tmp_path_factory.mktemp("installed")
    run(
        [BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", path, tarball],
        env=clean_env(ANSIBLE_COLLECTIONS_PATH=str(path)),
    )
    return path


def test_tarball_holds_the_collection_and_no_build_output(tarball, galaxy_import):  # starts the import
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["version"] == GALAXY["version"]
    for required in [
        "README.md",
        "LICENSE",
        "meta/runtime.yml",
        "meta/execution-environment.yml",
        "requirements.txt",
        "changelogs/changelog.yaml",
        "docs/getting-started.md",
        "docs/awx/ucloud_credential_type.yml",
        "docs/awx/tencentcloud_credential_type.yml",
        "examples/demo.yml",
        "tests/emulator/server.py",
    ]:
        assert required in names, required
    assert {"plugins/modules/%s.py" % name for name in MODULES} <= set(names)
    leaked = [
        name
        for name in names
        if any((name + "/").startswith(prefix) or "/" + prefix in name + "/" for prefix in NOT_SHIPPED)
    ]
    assert not leaked, leaked
    assert not [name for name in names if name.endswith((".pyc", ".tar.gz"))]


def test_installed_copy_documents_every_module(installed):
    out = run(
        [BIN / "ansible-doc", "--list", "--json", "-t", "module", "snapshield.cloud"],
        env=clean_env(ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false"),
    )
    assert sorted(json.loads(out)) == ["snapshield.cloud.%s" % name for name in MODULES]


def test_installed_copy_documents_the_inventory_plugins(installed):
    out = run(
        [BIN / "ansible-doc", "--list", "--json", "-t", "inventory", "snapshield.cloud"],
        env=clean_env(ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false"),
    )
    assert sorted(json.loads(out)) == ["snapshield.cloud.cbs_disks", "snapshield.cloud.ucloud_disks"]


def test_demo_runs_from_the_installed_copy(installed, emulator, tmp_path):
    """examples/demo.yml of the installed copy, with the env vars scripts/demo.py sets, and no checkout."""
    creds = emulator.credentials
    demo = installed / "ansible_collections" / "snapshield" / "cloud" / "examples" / "demo.yml"
    env = clean_env(
        ANSIBLE_COLLECTIONS_PATH=str(installed),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="1",
        UCLOUD_PUBLIC_KEY=creds["ucloud_public_key"],
        UCLOUD_PRIVATE_KEY=creds["ucloud_private_key"],
        UCLOUD_REGION="cn-bj2",
        UCLOUD_BASE_URL=emulator.url,
        TENCENTCLOUD_SECRET_ID=creds["tencent_secret_id"],
        TENCENTCLOUD_SECRET_KEY=creds["tencent_secret_key"],
        TENCENTCLOUD_REGION="ap-guangzhou",
        TENCENTCLOUD_ENDPOINT=emulator.url,
    )
    out = run([BIN / "ansible-playbook", demo], env=env, cwd=tmp_path)
    assert "failed=0" in out, out
    state = emulator.dump_state()
    assert [(s["disk_id"], s["mode"]) for s in state["services"]] == [("bsm-emu00001", "Ultimate")]
    assert [(s["disk_id"], s["name"], s["state"]) for s in state["snapshots"]] == [
        ("disk-emu00001", "demo-snapshot", "NORMAL")
    ]


# ansible-test runs in a container: off. ansible-lint too: `make lint` runs it on the same files with the same
# .ansible-lint (the importer only logs its findings). The rest (metadata, layout, ansible-doc of every plugin,
# role READMEs, changelog) is what makes Galaxy accept or refuse a tarball.
IMPORTER_CONFIG = """\
[galaxy-importer]
run_ansible_test = False
run_ansible_lint = False
run_ansible_doc = True
check_changelog = True
"""


@pytest.fixture(scope="module")
def galaxy_import(tarball, tmp_path_factory):
    """galaxy-importer on the tarball, started in the background: it is the slowest gate (two ansible-doc runs
    per plugin type), so it runs while the other gates do. The first test of this file starts it."""
    workdir = tmp_path_factory.mktemp("galaxy-importer")
    config = workdir / "galaxy-importer.cfg"
    config.write_text(IMPORTER_CONFIG, encoding="utf-8")
    command = [sys.executable, "-m", "galaxy_importer.main", str(tarball)]
    env = clean_env(GALAXY_IMPORTER_CONFIG=str(config), ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"))
    with open(workdir / "output.txt", "w", encoding="utf-8") as output, subprocess.Popen(
        command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT, env=env
    ) as proc:
        try:
            yield proc, workdir
        finally:
            if proc.poll() is None:
                proc.kill()


def test_execution_environment_context(tmp_path):
    context = tmp_path / "context"
    run(
        [
            BIN / "ansible-builder",
            "create",
            "-f",
            REPO / "execution-environment.yml",
            "-c",
            context,
            "--output-filename",
            "Containerfile",
        ],
        cwd=tmp_path,
    )
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-galaxy collection install" in containerfile and "introspect" in containerfile
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text(encoding="utf-8"))
    assert 'ARG PYCMD="%s"' % definition["dependencies"]["python_interpreter"]["python_path"] in containerfile
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert [c["name"] for c in requirements["collections"]] == ["snapshield.cloud"]


def test_execution_environment_finds_the_collections_python_dependencies(installed):
    """What the EE build does after installing the collection: read meta/execution-environment.yml."""
    out = run([BIN / "ansible-builder", "introspect", installed])
    found = yaml.safe_load(out)["python"]
    wanted = [
        line.split("#")[0].strip()
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert wanted and found == ["%s  # from collection snapshield.cloud" % line for line in wanted], out


# ---------------------------------------------------------------------------------------------------
# A job the way AWX runs it: a private data dir with the project, an inventory and env/envvars holding
# what the documented credential types inject. No module_defaults, no extra vars.


def awx_injected_env(credential_type_file, inputs):
    """The environment AWX injects for a credential of this type (as AWX renders injectors: sandboxed Jinja)."""
    credential_type = yaml.safe_load((REPO / "docs" / "awx" / credential_type_file).read_text(encoding="utf-8"))
    sandbox = ImmutableSandboxedEnvironment()
    return {
        name: sandbox.from_string(template).render(**inputs)
        for name, template in credential_type["injectors"]["env"].items()
    }


def run_awx_style_job(installed, emulator, tmp_path, playbook_name):
    """Run examples/<playbook_name> from a private data dir with credentials injected only as env vars."""
    creds = emulator.credentials
    injected = dict(
        awx_injected_env(
            "ucloud_credential_type.yml",
            dict(
                public_key=creds["ucloud_public_key"],
                private_key=creds["ucloud_private_key"],
                region="cn-bj2",
                project_id="",
                base_url=emulator.url,
            ),
        ),
        **awx_injected_env(
            "tencentcloud_credential_type.yml",
            dict(
                secret_id=creds["tencent_secret_id"],
                secret_key=creds["tencent_secret_key"],
                security_token="",
                region="ap-guangzhou",
                endpoint=emulator.url,
            ),
        ),
    )
    assert not [key for key in os.environ if key.startswith(CLOUD_ENV_PREFIXES)], "the test process must not help"

    private = tmp_path / "job"
    for folder in ("project", "inventory", "env"):
        (private / folder).mkdir(parents=True)
    playbook = (REPO / "examples" / playbook_name).read_text(encoding="utf-8")
    assert "module_defaults" not in playbook
    (private / "project" / playbook_name).write_text(playbook, encoding="utf-8")
    # localhost as AWX's demo inventory defines it (docs/awx.md): the job's own Python, not interpreter discovery.
    (private / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter='{{ ansible_playbook_python }}'\n",
        encoding="utf-8",
    )
    (private / "env" / "envvars").write_text(
        yaml.safe_dump(
            dict(
                injected,
                ANSIBLE_COLLECTIONS_PATH=str(installed),
                ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                ANSIBLE_NOCOLOR="1",
            )
        ),
        encoding="utf-8",
    )

    job = ansible_runner.run(private_data_dir=str(private), playbook=playbook_name, quiet=True)

    stdout = job.stdout.read()
    assert job.rc == 0 and job.status == "successful", stdout
    for secret in (creds["ucloud_private_key"], creds["tencent_secret_key"]):
        assert secret not in stdout
    return emulator.dump_state()


def test_awx_style_job_with_injected_credentials(installed, emulator, tmp_path):
    state = run_awx_style_job(installed, emulator, tmp_path, "demo.yml")
    assert [(s["disk_id"], s["mode"]) for s in state["services"]] == [("bsm-emu00001", "Ultimate")]
    assert [(s["disk_id"], s["name"]) for s in state["snapshots"]] == [("disk-emu00001", "demo-snapshot")]


def test_awx_style_fleet_job(installed, emulator, tmp_path):
    state = run_awx_style_job(installed, emulator, tmp_path, "fleet.yml")
    # db business group in cn-bj2-02 among the emulator's 20 disks: 3, 9 and 15; team alpha: the odd ones.
    assert sorted((s["disk_id"], s["mode"]) for s in state["services"]) == [
        ("bsm-emu%05d" % n, "Ultimate") for n in (3, 9, 15)
    ]
    assert sorted(s["disk_id"] for s in state["snapshots"]) == ["disk-emu%05d" % n for n in range(1, 20, 2)]
    assert all({"Key": "snapshield-managed-by", "Value": "cbs_fleet"} in s["tags"] for s in state["snapshots"])


def test_galaxy_importer_accepts_the_tarball(galaxy_import):
    proc, workdir = galaxy_import
    returncode = proc.wait(timeout=300)
    out = (workdir / "output.txt").read_text(encoding="utf-8")
    assert returncode == 0 and "Importer processing completed successfully" in out, out
    # Problems the importer only logs (e.g. a plugin whose docs ansible-doc cannot read) count here too.
    problems = [line for line in out.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert not problems, out
    result = json.loads((workdir / "importer_result.json").read_text(encoding="utf-8"))
    assert result["requires_ansible"] == yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"]
    documented = {
        item["content_name"]
        for item in result["docs_blob"]["contents"]
        if item["content_type"] == "module" and item["doc_strings"]
    }
    assert documented == set(MODULES)
