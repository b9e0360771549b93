# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module run ad hoc, as ``ansible localhost -m snapshield.cloud.<module> -a '<args>'``, against the emulator.

pytest-ansible's ``ansible_module`` fixture runs each module through ansible-core's task queue, as the ``ansible``
command does: the collection is found on the collections path, the arguments are parsed as ``-a`` parses them
(``key=value`` pairs, or a JSON object), the credentials come only from the environment (as an AWX credential
injects them), and localhost runs the controller's Python as AWX's demo inventory sets it
(``adhoc_inventory.yml``). Each case checks what the module did to or read from the emulator.

A module in plugins/modules without a case here fails ``test_every_module_runs_ad_hoc``. To add one, write
``@case("<module>")`` above a function ``(adhoc, emu, tmp_path)`` that seeds the emulator, runs
``adhoc("<module>", "<the -a string>")`` and checks the emulator's state or the answer against it.
"""

import json
from pathlib import Path

import pytest
from ansible.parsing.splitter import parse_kv

from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import fleet_report
from tests.emulator.state import CHAINS
from tests.emulator.ucloud import price

REPO = Path(__file__).resolve().parents[4]
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
INVENTORY = Path(__file__).with_name("adhoc_inventory.yml")

pytestmark = [
    pytest.mark.ansible(inventory=str(INVENTORY), host_pattern="localhost", connection="local"),
    pytest.mark.filterwarnings("ignore:Host management is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:AnsibleCollectionFinder has already been configured:UserWarning"),
]

CASES = {}


def case(name):
    def register(function):
        CASES[name] = function
        return function

    return register


@pytest.fixture
def adhoc(ansible_module, emu, injected_env, monkeypatch):
    """``adhoc(module, args)``: the localhost result of ``ansible localhost -m snapshield.cloud.<module> -a <args>``."""
    creds = emu.credentials
    for name, value in injected_env().items():
        monkeypatch.setenv(name, value)

    def run(module, args):
        parsed = json.loads(args) if args.startswith("{") and args.endswith("}") else parse_kv(args)
        result = dict(getattr(ansible_module, "snapshield.cloud." + module)(**parsed)["localhost"])
        assert not result.get("failed"), result
        assert creds["ucloud_private_key"] not in json.dumps(result)
        assert creds["tencent_secret_key"] not in json.dumps(result)
        return result

    return run


def emulated(emu, kind, **match):
    """The emulator's records of ``kind`` (disks, services, snapshots, policies) with these field values."""
    return [row for row in emu.dump_state()[kind] if all(row[key] == value for key, value in match.items())]


@case("ucloud_disk_info")
def _ucloud_disk_info(adhoc, emu, tmp_path):
    found = adhoc("ucloud_disk_info", "zone=cn-bj2-02")["disks"]
    seeded = emulated(emu, "disks", cloud="ucloud", zone="cn-bj2-02")
    assert seeded and sorted((d["disk_id"], d["business_group"]) for d in found) == sorted(
        (d["id"], d["tag"]) for d in seeded
    )


@case("usnap_price")
def _usnap_price(adhoc, emu, tmp_path):
    quote = adhoc("usnap_price", "zone=cn-bj2-02 disk_id=bsm-emu00003")
    size = emulated(emu, "disks", id="bsm-emu00003")[0]["size"]
    assert quote["disk_size"] == size
    assert quote["price"] == price(size, CHAINS["Base"], "Month", 1)["Price"]


@case("usnap_service")
def _usnap_service(adhoc, emu, tmp_path):
    made = adhoc("usnap_service", "disk_ids=bsm-emu00001,bsm-emu00003 zone=cn-bj2-02")
    services = {s["disk_id"]: s for s in emu.dump_state()["services"]}
    assert made["changed"] and sorted(services) == ["bsm-emu00001", "bsm-emu00003"]
    assert sorted(r["service_id"] for r in made["results"]) == sorted(s["id"] for s in services.values())
    assert not adhoc("usnap_service", "disk_ids=bsm-emu00001,bsm-emu00003 zone=cn-bj2-02")["changed"]


@case("usnap_service_info")
def _usnap_service_info(adhoc, emu, tmp_path):
    seeded = emu.seed(cloud="ucloud", zone="cn-bj2-03", count=2, service={"mode": "Ultimate"})["services"]
    found = adhoc("usnap_service_info", "zone=cn-bj2-03")["services"]
    assert sorted(s["service_id"] for s in found) == sorted(seeded)
    assert {s["backup_mode"] for s in found} == {"Ultimate"}


@case("cbs_disk_info")
def _cbs_disk_info(adhoc, emu, tmp_path):
    found = adhoc("cbs_disk_info", '{"tags": {"env": "prod"}}')["disks"]
    seeded = [d for d in emulated(emu, "disks", cloud="tencent") if d["tags"].get("env") == "prod"]
    assert seeded and sorted(d["disk_id"] for d in found) == sorted(d["id"] for d in seeded)


@case("cbs_snapshot")
def _cbs_snapshot(adhoc, emu, tmp_path):
    made = adhoc("cbs_snapshot", "disk_ids=disk-emu00001 snapshot_name=adhoc")
    taken = emulated(emu, "snapshots", disk_id="disk-emu00001", name="adhoc")
    assert made["changed"] and [s["id"] for s in taken] == [made["snapshot"]["snapshot_id"]]


@case("cbs_snapshot_info")
def _cbs_snapshot_info(adhoc, emu, tmp_path):
    seeded = emu.seed(cloud="tencent", snapshots=3)
    found = adhoc("cbs_snapshot_info", "disk_ids=%s" % seeded["disks"][0])["snapshots"]
    assert sorted(s["snapshot_id"] for s in found) == sorted(seeded["snapshots"])


@case("cbs_snapshot_copy")
def _cbs_snapshot_copy(adhoc, emu, tmp_path):
    emu.configure(copy_delay=0)
    snapshot_id = emu.seed(cloud="tencent", snapshots=1)["snapshots"][0]
    made = adhoc("cbs_snapshot_copy", "snapshot_ids=%s destination_regions=ap-shanghai" % snapshot_id)
    copies = emulated(emu, "snapshots", region="ap-shanghai", copy_from_remote=True)
    assert made["changed"] and len(copies) == 1
    assert made["snapshot"]["copies"][0]["snapshot_id"] == copies[0]["id"]


@case("cbs_snapshot_policy")
def _cbs_snapshot_policy(adhoc, emu, tmp_path):
    made = adhoc("cbs_snapshot_policy", "name=adhoc-nightly hours=2 retention_days=14 disk_ids=disk-emu00002")
    policies = emulated(emu, "policies", name="adhoc-nightly")
    assert made["changed"] and [p["id"] for p in policies] == [made["policy"]["policy_id"]]
    assert policies[0]["disk_ids"] == ["disk-emu00002"] and policies[0]["retention_days"] == 14


@case("cbs_snapshot_policy_info")
def _cbs_snapshot_policy_info(adhoc, emu, tmp_path):
    adhoc("cbs_snapshot_policy", "name=adhoc-weekly hours=3 weekdays=0,3 disk_ids=disk-emu00004")
    found = adhoc("cbs_snapshot_policy_info", "names=adhoc-weekly")["policies"]
    seeded = emulated(emu, "policies", name="adhoc-weekly")
    assert [(p["policy_id"], p["disk_ids"], p["weekdays"]) for p in found] == [
        (seeded[0]["id"], ["disk-emu00004"], [0, 3])
    ]


@case("cbs_restore")
def _cbs_restore(adhoc, emu, tmp_path):
    emu.configure(disk_create_delay=0)
    snapshot_id = emu.seed(cloud="tencent", snapshots=1)["snapshots"][0]
    made = adhoc("cbs_restore", "snapshot_id=%s disk_name=adhoc-restored" % snapshot_id)
    restored = emulated(emu, "disks", cloud="tencent", name="adhoc-restored")
    assert made["changed"] and [d["id"] for d in restored] == [made["restore"]["restored_disk_id"]]
    assert restored[0]["tags"]["snapshield-restored-from"] == snapshot_id


@case("usnap_restore")
def _usnap_restore(adhoc, emu, tmp_path):
    emu.configure(clone_delay=0)
    source = emu.seed(cloud="ucloud", zone="cn-bj2-02", status="Available", service={"mode": "Base"})["disks"][0]
    made = adhoc("usnap_restore", "disk_id=%s zone=cn-bj2-02 clone_name=adhoc-{disk_id}" % source)
    restored = emulated(emu, "disks", cloud="ucloud", name="adhoc-%s" % source)
    assert made["changed"] and [d["id"] for d in restored] == [made["restore"]["restored_disk_id"]]
    assert restored[0]["clone_of"] == source and made["restore"]["state"] == "Available"


@case("fleet_report")
def _fleet_report(adhoc, emu, tmp_path):
    results = adhoc("cbs_snapshot", "disk_ids=disk-emu00003 snapshot_name=reported")["results"]
    report = fleet_report(results, "tencentcloud")
    written = adhoc("fleet_report", json.dumps(dict(report=report, path=str(tmp_path / "fleet"))))
    assert written["files"] == [str(tmp_path / name) for name in ("fleet.html", "fleet.md", "fleet.json")]
    rows = json.loads((tmp_path / "fleet.json").read_text())["rows"]
    taken = emulated(emu, "snapshots", name="reported")
    assert [(r["disk_id"], r["plan"], r["state"]) for r in rows] == [
        (taken[0]["disk_id"], "snapshot reported", taken[0]["state"])
    ]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_runs_ad_hoc(name, adhoc, emu, tmp_path):
    assert name in CASES, "plugins/modules/%s.py has no ad hoc case: add one to %s" % (name, Path(__file__).name)
    emu.reset()
    CASES[name](adhoc, emu, tmp_path)


def test_every_case_is_a_module():
    assert set(CASES) <= set(MODULES)
