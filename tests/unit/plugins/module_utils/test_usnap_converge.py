# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap.service.ServiceConverger (read, then act one disk at a time) with the real client against the emulator."""

import pytest

from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import OncePerKey, run_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import DiskError
from ansible_collections.snapshield.cloud.plugins.module_utils.ucloud import UCloudClient
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import check_service_request
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.service import ServiceConverger
from tests.emulator import Emulator

ZONE = "cn-bj2-02"


class FakeModule:
    def __init__(self, check_mode=False, diff=False):
        self.check_mode, self._diff, self.warnings = check_mode, diff, []

    def warn(self, message):
        self.warnings.append(message)


@pytest.fixture(scope="module")
def emu():
    with Emulator(disks=4, rate_limit=0) as emulator:
        yield emulator


@pytest.fixture
def client(emu):
    emu.reset()
    creds = emu.credentials
    return UCloudClient(
        creds["ucloud_public_key"], creds["ucloud_private_key"], "cn-bj2", base_url=emu.url, rate_limit=0, retries=1
    )


def protected_disk(emu, **service):
    return emu.seed(zone=ZONE, service=dict(dict(mode="Base"), **service))["disks"][0]


def converger(client, disk_ids, module=None, **options):
    params = dict(zone=ZONE, disk_ids=disk_ids, state="present", backup_mode="Base", quantity=1)
    params.update(options)
    service = ServiceConverger(module or FakeModule(), client, check_service_request(params))
    service.read()
    return service.act


def actions(emu, name):
    return [(e["outcome"], e["applied"]) for e in emu.calls()["log"] if e["action"] == name]


@pytest.mark.parametrize(
    "lose, sent", [("after_apply", [("lost", True)]), ("before_apply", [("lost", False), ("ok", True)])]
)
def test_lost_upgrade_answer_is_reread(emu, client, lose, sent):
    disk = protected_disk(emu)
    emu.clear_calls()
    emu.set_faults(action="UpgradeUSnapBackupRange", lose=lose)
    result = converger(client, [disk], backup_mode="Ultimate")(disk)
    assert result["changed"] and result["backup_mode"] == "Ultimate"
    assert actions(emu, "UpgradeUSnapBackupRange") == sent
    assert [e["action"] for e in emu.calls()["log"]].count("DescribeUDisk") == 0  # size from the service row


@pytest.mark.parametrize(
    "lose, sent", [("after_apply", [("lost", True)]), ("before_apply", [("lost", False), ("ok", True)])]
)
def test_lost_delete_answer_is_reread(emu, client, lose, sent):
    disk = protected_disk(emu)
    emu.set_faults(action="DeleteSnapshotService", lose=lose)
    result = converger(client, [disk], state="absent")(disk)
    assert result["changed"] and result["service_id"]
    assert actions(emu, "DeleteSnapshotService") == sent
    assert emu.dump_state()["services"] == []


def test_fixed_attributes_of_an_existing_service_warn(emu, client):
    disk = protected_disk(emu, charge_type="Month", tag="web")
    module = FakeModule()
    result = converger(client, [disk], module, charge_type="Yearly", business_group="db")(disk)
    assert not result["changed"]
    assert len(module.warnings) == 2 and all(disk in w for w in module.warnings)
    assert "charge_type=Year" in module.warnings[1] and "business_group=db" in module.warnings[0]
    module = FakeModule()
    converger(client, [disk], module, charge_type="Monthly", business_group="web")(disk)
    assert module.warnings == []


def test_check_mode_unknown_disk_fails_naming_it(emu, client):
    with pytest.raises(DiskError) as info:
        converger(client, ["bsm-nope"], FakeModule(check_mode=True))("bsm-nope")
    assert "bsm-nope" in str(info.value) and ZONE in str(info.value)
    assert not [e for e in emu.calls()["log"] if e["applied"]]


def test_check_mode_fleet_reads_sizes_in_pages(emu, client):
    fleet = emu.seed(count=12, zone=ZONE)["disks"]
    emu.clear_calls()
    converge_one = converger(client, fleet, FakeModule(check_mode=True), backup_mode="Ultimate")
    results = [converge_one(disk) for disk in fleet]
    assert all(r["changed"] and r["price"]["price"] > 0 and r["disk_size"] for r in results)
    counts = {name: c["total"] for name, c in emu.calls()["actions"].items()}
    # 12 disks of 6 sizes: one price call per size (the plan is the same for every disk of the task).
    assert counts == {"DescribeSnapshotService": 1, "DescribeUDisk": 1, "DescribeSnapshotServicePrice": 6}
    by_size = {}
    for r in results:
        assert by_size.setdefault(r["disk_size"], r["price"]) == r["price"]
    assert len(by_size) == 6


def test_check_mode_fleet_prices_each_size_once_when_worked_concurrently(emu, client):
    fleet = emu.seed(count=24, zone=ZONE)["disks"]  # 6 sizes, 4 disks each
    emu.clear_calls()
    converge_one = converger(client, fleet, FakeModule(check_mode=True), backup_mode="Ultimate")
    outcomes = run_concurrently(converge_one, fleet)
    assert all(error is None and result["price"]["price"] > 0 for _disk, result, error in outcomes)
    assert emu.calls()["actions"]["DescribeSnapshotServicePrice"]["total"] == 6


def test_report_cost_prices_each_distinct_plan_and_size_once(emu, client):
    """A fleet of Base, Custom (converged to Base) and yearly services of 6 sizes: one price call per distinct
    (size, plan, charge type) as the services stand after the run, each result carrying its price for one period."""
    base = emu.seed(count=12, zone=ZONE, service=dict(mode="Base"))["disks"]
    custom = emu.seed(count=6, zone=ZONE, service=dict(mode="Custom", journal=24, hour=48, day=10))["disks"]
    yearly = emu.seed(count=6, zone=ZONE, service=dict(mode="Base", charge_type="Year"))["disks"]
    fleet = base + custom + yearly
    emu.clear_calls()
    converge_one = converger(client, fleet, report_cost=True)
    outcomes = run_concurrently(converge_one, fleet)
    results = {disk: result for disk, result, error in outcomes if error is None}
    assert len(results) == len(fleet) and sum(r["changed"] for r in results.values()) == len(custom)
    keys = {(r["disk_size"], r["backup_mode"], r["journal"], r["charge_type"]) for r in results.values()}
    assert emu.calls()["actions"]["DescribeSnapshotServicePrice"]["total"] == len(keys) < len(fleet)
    for r in results.values():
        assert r["cost"]["charge_type"] == r["charge_type"] and r["cost"]["price"] > 0
    same_size = [r for r in results.values() if r["disk_size"] == results[base[0]]["disk_size"]]
    assert len({r["cost"]["price"] for r in same_size}) == len(
        {(r["backup_mode"], r["charge_type"]) for r in same_size}
    )
    assert "cost" not in converger(client, base[:1])(base[0])  # only when asked for


def test_memo_computes_once_per_key_and_forgets_failures():
    memo, calls = OncePerKey(), []

    def compute(value):
        calls.append(value)
        if value is None:
            raise DiskError("no value")
        return value

    assert [memo.get(k % 2, lambda k=k: compute(k % 2)) for k in range(6)] == [0, 1, 0, 1, 0, 1]
    assert calls == [0, 1]
    for _attempt in range(2):
        with pytest.raises(DiskError):
            memo.get("x", lambda: compute(None))
    assert calls == [0, 1, None, None]
