# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every mutating action, faulted once, at module level: the module's main() in-process with its real client
against the emulator. The end state is exactly right (one service, one snapshot, deleted), nothing is doubled,
the task reports the change, and running the task again changes nothing and sends no mutating call.

The faults are the emulator's one-shot rules: the answer lost before or after the provider applied the change
(the client sees a dropped connection), an HTTP 503 (the provider did not act) and a throttling refusal.
Cases that other tests already cover at module level are left out here:
- CreateSnapshotService, lost before/after: tests/integration/test_usnap_service.py
  (test_lost_create_answers_make_one_service);
- CreateSnapshot, lost before/after: tests/integration/test_cbs_snapshot.py (test_lost_answers_and_api_errors).
"""

import contextlib
import io
import json

import pytest

from ansible_collections.snapshield.cloud.plugins.modules import (
    cbs_snapshot,
    cbs_snapshot_copy,
    cbs_snapshot_policy,
    usnap_service,
)
from tests.emulator import Emulator
from tests.unit.module_args import patch_module_args

ZONE = "cn-bj2-02"
MUTATING = (
    "CreateSnapshotService",
    "UpgradeUSnapBackupRange",
    "DeleteSnapshotService",
    "CreateSnapshot",
    "DeleteSnapshots",
    "ModifySnapshotAttribute",
    "CreateAutoSnapshotPolicy",
    "ModifyAutoSnapshotPolicyAttribute",
    "DeleteAutoSnapshotPolicies",
    "BindAutoSnapshotPolicy",
    "UnbindAutoSnapshotPolicy",
    "CopySnapshotCrossRegions",
)
MANAGED = {"managed-by": "fault-test"}

# How the faulted action was sent: (outcome, applied) per call, in order.
SENT = {
    ("lose", "after_apply"): [("lost", True)],  # looked up, found applied: not sent again
    ("lose", "before_apply"): [("lost", False), ("ok", True)],  # looked up, not applied: sent again
    ("http_status", 503): [("faulted", False), ("ok", True)],
    ("throttle", True): [("throttled", False), ("ok", True)],
}
FAULTS = sorted(SENT)
LOSS_COVERED_ELSEWHERE = [("http_status", 503), ("throttle", True)]


def fault_id(fault):
    return "%s-%s" % fault


@pytest.fixture(scope="module")
def emu():
    with Emulator(disks=4, snapshot_delay=0, rate_limit=0) as emulator:
        yield emulator


@pytest.fixture
def fresh(emu):
    emu.reset()
    return emu


def run(emu, module, args):
    creds = emu.credentials
    if module is usnap_service:
        auth = dict(
            public_key=creds["ucloud_public_key"],
            private_key=creds["ucloud_private_key"],
            region="cn-bj2",
            base_url=emu.url,
        )
    else:
        auth = dict(
            secret_id=creds["tencent_secret_id"],
            secret_key=creds["tencent_secret_key"],
            region="ap-guangzhou",
            endpoint=emu.url,
        )
    out = io.StringIO()
    with patch_module_args(dict(auth, **args)), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as ended:
            module.main()
    result = json.loads(out.getvalue())
    assert ended.value.code == 0 and not result.get("failed"), result
    return result


def sent(emu, action):
    return [(entry["outcome"], entry["applied"]) for entry in emu.calls()["log"] if entry["action"] == action]


def faulted_then_again(emu, module, args, action, fault):
    """Run the task with one fault on ``action``; check how it was sent; run it again: no change, no mutation."""
    emu.clear_calls()
    emu.set_faults(action=action, **dict([fault]))
    result = run(emu, module, args)
    assert result["changed"], result
    assert sent(emu, action) == SENT[fault]
    assert emu.set_faults()["rules"] == [], "the fault was never triggered: the test proves nothing"
    emu.clear_calls()
    again = run(emu, module, args)
    assert not again["changed"], again
    assert not [entry for entry in emu.calls()["log"] if entry["action"] in MUTATING]
    return result, again


def services(emu, disk_id):
    return [service for service in emu.dump_state()["services"] if service["disk_id"] == disk_id]


def snapshots(emu, disk_id, name=None):
    return [
        snap for snap in emu.dump_state()["snapshots"] if snap["disk_id"] == disk_id and name in (None, snap["name"])
    ]


# USnap ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", LOSS_COVERED_ELSEWHERE, ids=fault_id)
def test_create_service(fresh, fault):
    disk = fresh.seed(zone=ZONE)["disks"][0]
    result, again = faulted_then_again(
        fresh, usnap_service, dict(disk_id=disk, zone=ZONE, backup_mode="Ultimate"), "CreateSnapshotService", fault
    )
    [service] = services(fresh, disk)
    assert service["mode"] == "Ultimate" and result["service"]["service_id"] == service["id"]
    assert again["service"]["service_id"] == service["id"]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_upgrade_service(fresh, fault):
    disk = fresh.seed(zone=ZONE, service=dict(mode="Base"))["disks"][0]
    [before] = services(fresh, disk)
    args = dict(disk_id=disk, zone=ZONE, backup_mode="Custom", journal=24, hour=48, day=10)
    result, _again = faulted_then_again(fresh, usnap_service, args, "UpgradeUSnapBackupRange", fault)
    [after] = services(fresh, disk)
    assert after["id"] == before["id"] and (after["mode"], after["journal"], after["hour"], after["day"]) == (
        "Custom",
        24,
        48,
        10,
    )
    service = result["service"]
    assert (service["backup_mode"], service["journal"], service["hour"], service["day"]) == ("Custom", 24, 48, 10)
    assert not sent(fresh, "CreateSnapshotService")


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_delete_service(fresh, fault):
    disk = fresh.seed(zone=ZONE, service=dict(mode="Ultimate"))["disks"][0]
    other = fresh.seed(zone=ZONE, service=dict(mode="Base"))["disks"][0]
    [service] = services(fresh, disk)
    result, _again = faulted_then_again(
        fresh, usnap_service, dict(disk_id=disk, zone=ZONE, state="absent"), "DeleteSnapshotService", fault
    )
    assert services(fresh, disk) == [] and len(services(fresh, other)) == 1
    assert result["results"][0]["service_id"] == service["id"]


# CBS ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", LOSS_COVERED_ELSEWHERE, ids=fault_id)
def test_create_snapshot(fresh, fault):
    disk = fresh.seed(cloud="tencent", snapshot_ability=True, encrypted=False)["disks"][0]
    result, again = faulted_then_again(
        fresh, cbs_snapshot, dict(disk_id=disk, snapshot_name="nightly"), "CreateSnapshot", fault
    )
    [snap] = snapshots(fresh, disk, "nightly")
    assert result["snapshot"]["snapshot_id"] == snap["id"] == again["snapshot"]["snapshot_id"]
    assert result["snapshot"]["state"] == "NORMAL"


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_delete_snapshots(fresh, fault):
    seeded = fresh.seed(
        cloud="tencent", snapshots=[dict(name="old", age=7200), dict(name="old", age=3600), dict(name="kept", age=60)]
    )
    disk = seeded["disks"][0]
    result, _again = faulted_then_again(
        fresh, cbs_snapshot, dict(disk_id=disk, snapshot_name="old", state="absent"), "DeleteSnapshots", fault
    )
    assert [snap["name"] for snap in snapshots(fresh, disk)] == ["kept"]
    assert sorted(snap["snapshot_id"] for snap in result["results"][0]["deleted"]) == sorted(seeded["snapshots"][:2])


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_prune_with_keep(fresh, fault):
    """keep=2: the new snapshot and the newest old one stay; the two older managed ones go, the unmanaged one stays."""
    seeded = fresh.seed(
        cloud="tencent",
        snapshots=[
            dict(name="day-1", tags=MANAGED, age=3 * 86400),
            dict(name="day-2", tags=MANAGED, age=2 * 86400),
            dict(name="day-3", tags=MANAGED, age=86400),
            dict(name="manual", age=4 * 86400),
        ],
    )
    disk = seeded["disks"][0]
    args = dict(disk_id=disk, snapshot_name="day-4", managed_tags=MANAGED, keep=2)
    result, again = faulted_then_again(fresh, cbs_snapshot, args, "DeleteSnapshots", fault)
    assert sorted(snap["name"] for snap in snapshots(fresh, disk)) == ["day-3", "day-4", "manual"]
    assert sorted(snap["snapshot_name"] for snap in result["snapshot"]["pruned"]) == ["day-1", "day-2"]
    assert again["snapshot"]["pruned"] == [] and again["snapshot"]["snapshot_name"] == "day-4"


# Automatic snapshot policies -----------------------------------------------------------------------------------

POLICY = dict(name="nightly", hours=[2])


def policies(emu):
    return emu.dump_state()["policies"]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_create_policy(fresh, fault):
    """No ClientToken: a create whose answer was lost is looked up by name, so one name never has two policies."""
    result, again = faulted_then_again(fresh, cbs_snapshot_policy, POLICY, "CreateAutoSnapshotPolicy", fault)
    [policy] = policies(fresh)
    assert result["policy"]["policy_id"] == policy["id"] == again["policy"]["policy_id"]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_modify_policy(fresh, fault):
    run(fresh, cbs_snapshot_policy, POLICY)
    faulted_then_again(
        fresh, cbs_snapshot_policy, dict(POLICY, retention_days=30), "ModifyAutoSnapshotPolicyAttribute", fault
    )
    [policy] = policies(fresh)
    assert policy["retention_days"] == 30


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_bind_policy(fresh, fault):
    run(fresh, cbs_snapshot_policy, POLICY)
    disks = ["disk-emu00001", "disk-emu00002"]
    faulted_then_again(fresh, cbs_snapshot_policy, dict(POLICY, disk_ids=disks), "BindAutoSnapshotPolicy", fault)
    assert policies(fresh)[0]["disk_ids"] == disks


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_unbind_policy(fresh, fault):
    run(fresh, cbs_snapshot_policy, dict(POLICY, disk_ids=["disk-emu00001", "disk-emu00002"]))
    args = dict(POLICY, disk_ids=["disk-emu00002"], exclusive=True)
    result, _again = faulted_then_again(fresh, cbs_snapshot_policy, args, "UnbindAutoSnapshotPolicy", fault)
    assert policies(fresh)[0]["disk_ids"] == ["disk-emu00002"] and result["policy"]["unbound"] == ["disk-emu00001"]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_delete_policy(fresh, fault):
    run(fresh, cbs_snapshot_policy, POLICY)
    faulted_then_again(
        fresh, cbs_snapshot_policy, dict(name="nightly", state="absent"), "DeleteAutoSnapshotPolicies", fault
    )
    assert policies(fresh) == []


# Cross-region copies ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_copy_snapshot(fresh, fault):
    """A copy whose answer was lost is looked for in each destination before anything is sent again."""
    fresh.configure(copy_delay=0)
    snap = fresh.seed(cloud="tencent", snapshots=[dict(name="nightly")])["snapshots"][0]
    args = dict(snapshot_ids=[snap], destination_regions=["ap-shanghai", "ap-beijing"])
    result, again = faulted_then_again(fresh, cbs_snapshot_copy, args, "CopySnapshotCrossRegions", fault)
    made = sorted(s["region"] for s in fresh.dump_state()["snapshots"] if s["copy_from_remote"])
    assert made == ["ap-beijing", "ap-shanghai"]
    copy_ids = [c["snapshot_id"] for c in result["snapshot"]["copies"]]
    assert copy_ids == [c["snapshot_id"] for c in again["snapshot"]["copies"]]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_copy_retention(fresh, fault):
    """The deadline of a new copy, set in its region: read back after a lost answer."""
    fresh.configure(copy_delay=0)
    snap = fresh.seed(cloud="tencent", snapshots=[dict(name="nightly")])["snapshots"][0]
    args = dict(snapshot_ids=[snap], destination_regions=["ap-shanghai"], retention_days=3)
    result, _again = faulted_then_again(fresh, cbs_snapshot_copy, args, "ModifySnapshotAttribute", fault)
    (copy,) = [s for s in fresh.dump_state()["snapshots"] if s["copy_from_remote"]]
    assert copy["deadline"] and result["snapshot"]["copies"][0]["deadline"]
