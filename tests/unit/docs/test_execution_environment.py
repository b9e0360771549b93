# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-environment.yml is valid for ansible-builder and builds a reproducible EE that can run the collection."""

import re
from pathlib import Path

import yaml
from ansible_builder.user_definition import UserDefinition
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

REPO = Path(__file__).resolve().parents[3]
DEFINITION = REPO / "execution-environment.yml"


def test_ansible_builder_accepts_the_definition():
    definition = UserDefinition(str(DEFINITION))
    definition.validate()  # ansible-builder's own JSON schema and checks; raises DefinitionError
    assert definition.version == 3


def test_the_base_image_is_pinned():
    name = yaml.safe_load(DEFINITION.read_text())["images"]["base_image"]["name"]
    assert re.fullmatch(r"[\w.\-/:]+(:(?!latest$)[\w.\-]+|@sha256:[0-9a-f]{64})", name), name


def test_python_dependencies_go_to_the_python_that_runs_ansible():
    """ansible-builder installs collection requirements with /usr/bin/python3 unless python_path says otherwise."""
    interpreter = yaml.safe_load(DEFINITION.read_text())["dependencies"]["python_interpreter"]
    assert interpreter["python_path"] == "/usr/bin/" + interpreter["package_system"]
    assert re.fullmatch(r"python3\.1[1-9]", interpreter["package_system"])  # ansible-core 2.19 needs 3.11+


def test_the_ee_ships_the_tested_ansible_core_within_requires_ansible():
    dependencies = yaml.safe_load(DEFINITION.read_text())["dependencies"]
    shipped = Requirement(dependencies["ansible_core"]["package_pip"])
    tested = next(
        Requirement(line.split("#")[0].strip())
        for line in (REPO / "tests" / "ansible-core.txt").read_text().splitlines()
        if line.startswith("ansible-core")
    )
    assert shipped.name == "ansible-core" and shipped.specifier == tested.specifier
    supported = SpecifierSet(yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"])
    lowest = min(
        (spec.version for spec in shipped.specifier if spec.operator in (">=", "==", "~=")),
        key=lambda version: tuple(int(part) for part in version.split(".")),
    )
    assert supported.contains(lowest), (shipped, supported)
    assert Requirement(dependencies["ansible_runner"]["package_pip"]).name == "ansible-runner"
