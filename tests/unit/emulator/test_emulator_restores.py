"""CBS restores in the emulator, driven by tencentcloud-sdk-python-common: ApplySnapshot rolls a disk back
(ROLLBACKING for a while, attached disks refused without AutoStopInstance), CreateDisks makes a disk from a
snapshot (CREATING, then UNATTACHED; one ClientToken, one disk), TerminateDisks removes it; faults apply to all."""

import time

import pytest
import requests
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException


def error_code(call):
    with pytest.raises(TencentCloudSDKException) as info:
        call()
    return info.value.code


def seed(emu, size=100, state="UNATTACHED", snapshots=({"name": "nightly"},), **spec):
    created = emu.seed(cloud="tencent", size=size, state=state, snapshots=list(snapshots), **spec)
    return created["disks"][0], created["snapshots"]


def disk_row(tencent, disk_id):
    rows = tencent.call_json("DescribeDisks", {"DiskIds": [disk_id]})["Response"]["DiskSet"]
    return rows[0] if rows else None


def create_params(snapshot_id, **extra):
    return dict(
        Placement={"Zone": "ap-guangzhou-3"},
        DiskChargeType="POSTPAID_BY_HOUR",
        DiskType="CLOUD_PREMIUM",
        DiskName="restored",
        SnapshotId=snapshot_id,
        **extra,
    )


def test_apply_snapshot_rolls_back_for_a_while(emu, tencent):
    emu.configure(rollback_delay=0.6)
    disk, (snap,) = seed(emu)
    assert disk_row(tencent, disk)["RollbackPercent"] == 0
    tencent.call_json("ApplySnapshot", {"SnapshotId": snap, "DiskId": disk})
    row = disk_row(tencent, disk)
    assert row["DiskState"] == "ROLLBACKING" and row["Rollbacking"] is True and row["RollbackPercent"] < 100
    shot = tencent.call_json("DescribeSnapshots", {"SnapshotIds": [snap]})["Response"]["SnapshotSet"][0]
    assert shot["SnapshotState"] == "ROLLBACKING"
    assert error_code(lambda: tencent.call_json("ApplySnapshot", {"SnapshotId": snap, "DiskId": disk})) == (
        "ResourceInUse.DiskRollbacking"
    )
    time.sleep(0.7)
    row = disk_row(tencent, disk)
    assert (row["DiskState"], row["Rollbacking"], row["RollbackPercent"]) == ("UNATTACHED", False, 100)
    (state,) = [d for d in emu.dump_state()["disks"] if d["id"] == disk]
    assert state["rollbacks"] == [snap]


def test_apply_snapshot_refusals(emu, tencent):
    disk, (snap,) = seed(emu, state="ATTACHED")
    other, (foreign,) = seed(emu)
    apply = tencent.call_json
    assert error_code(lambda: apply("ApplySnapshot", {"SnapshotId": snap, "DiskId": disk})) == (
        "UnsupportedOperation.InstanceNotStopped"
    )
    assert error_code(lambda: apply("ApplySnapshot", {"SnapshotId": foreign, "DiskId": disk})) == (
        "InvalidParameterValue"
    )
    assert error_code(lambda: apply("ApplySnapshot", {"SnapshotId": snap, "DiskId": disk, "AutoStartInstance": True}))
    assert error_code(lambda: apply("ApplySnapshot", {"SnapshotId": snap, "DiskId": disk, "Force": True})) == (
        "UnknownParameter"
    )
    creating, (pending,) = seed(emu, snapshots=[{"name": "now", "state": "CREATING"}])
    assert error_code(lambda: apply("ApplySnapshot", {"SnapshotId": pending, "DiskId": creating})) == (
        "ResourceUnavailable.SnapshotCreating"
    )
    small, (big,) = seed(emu, snapshots=[{"name": "before shrink", "size": 200}])
    assert error_code(lambda: apply("ApplySnapshot", {"SnapshotId": big, "DiskId": small})) == (
        "InvalidParameter.DiskSizeNotMatch"
    )
    stuck, (stuck_snap,) = seed(emu, state="ATTACHED", instance_stoppable=False)
    assert error_code(
        lambda: apply("ApplySnapshot", {"SnapshotId": stuck_snap, "DiskId": stuck, "AutoStopInstance": True})
    ) == ("InvalidInstance.NotSupported")
    # nothing was applied by any refusal; AutoStopInstance lets an attached disk roll back
    assert not any(d.get("rollbacks") for d in emu.dump_state()["disks"])
    apply("ApplySnapshot", {"SnapshotId": snap, "DiskId": disk, "AutoStopInstance": True, "AutoStartInstance": True})
    assert disk_row(tencent, disk)["DiskState"] == "ROLLBACKING" and disk_row(tencent, disk)["Attached"] is True


def test_create_disks_from_a_snapshot_and_terminate(emu, tencent):
    emu.configure(disk_create_delay=0.4)
    _disk, (snap,) = seed(emu, size=50)
    params = create_params(snap, Tags=[{"Key": "snapshield-restored-from", "Value": snap}], ClientToken="t-1")
    (new,) = tencent.call_json("CreateDisks", params)["Response"]["DiskIdSet"]
    row = disk_row(tencent, new)
    assert row["DiskState"] == "CREATING" and row["DiskSize"] == 50 and row["DiskName"] == "restored"
    assert row["Tags"] == [{"Key": "snapshield-restored-from", "Value": snap}]
    assert row["DiskChargeType"] == "POSTPAID_BY_HOUR" and row["Placement"]["Zone"] == "ap-guangzhou-3"
    # the same ClientToken answers the same disk and makes no other
    count = len(emu.dump_state()["disks"])
    assert tencent.call_json("CreateDisks", params)["Response"]["DiskIdSet"] == [new]
    assert len(emu.dump_state()["disks"]) == count
    assert error_code(lambda: tencent.call_json("TerminateDisks", {"DiskIds": [new]})) == "InvalidDisk.Busy"
    bigger = tencent.call_json("CreateDisks", create_params(snap, DiskSize=80))["Response"]["DiskIdSet"]
    assert disk_row(tencent, bigger[0])["DiskSize"] == 80
    time.sleep(0.5)
    assert disk_row(tencent, new)["DiskState"] == "UNATTACHED"
    tencent.call_json("TerminateDisks", {"DiskIds": [new] + bigger})
    assert disk_row(tencent, new) is None and len(emu.dump_state()["disks"]) == count - 1


def test_create_and_terminate_refusals(emu, tencent):
    attached, (snap,) = seed(emu, size=100, state="ATTACHED")
    _creating, (pending,) = seed(emu, snapshots=[{"name": "now", "state": "CREATING"}])
    create = tencent.call_json
    assert error_code(lambda: create("CreateDisks", create_params(snap, DiskSize=50))) == (
        "InvalidParameter.DiskSizeNotMatch"
    )
    assert error_code(lambda: create("CreateDisks", create_params(pending))) == "ResourceUnavailable.SnapshotCreating"
    assert error_code(lambda: create("CreateDisks", create_params(snap, Bogus=1))) == "UnknownParameter"
    assert error_code(lambda: create("CreateDisks", create_params(snap, ClientToken="x" * 65))) == (
        "InvalidParameter.InvalidClientToken"
    )
    assert error_code(lambda: create("CreateDisks", dict(create_params(snap), DiskChargeType="PREPAID"))) == (
        "MissingParameter"
    )
    wrong_zone = dict(create_params(snap), Placement={"Zone": "ap-shanghai-2"})
    assert error_code(lambda: create("CreateDisks", wrong_zone)) == "InvalidParameterValue"
    assert error_code(lambda: create("TerminateDisks", {"DiskIds": [attached]})) == "ResourceUnavailable.Attached"
    assert error_code(lambda: create("TerminateDisks", {"DiskIds": ["disk-nothere1"]})) == "InvalidDiskId.NotFound"
    assert [c["outcome"] for c in emu.calls()["log"] if c["action"] != "DescribeDisks"] == ["error"] * 8


@pytest.mark.parametrize("action", ["ApplySnapshot", "CreateDisks", "TerminateDisks"])
def test_faults_reach_the_restore_actions(emu, tencent, action):
    emu.configure(disk_create_delay=0, rollback_delay=0)
    disk, (snap,) = seed(emu)
    body = {
        "ApplySnapshot": {"SnapshotId": snap, "DiskId": disk},
        "CreateDisks": create_params(snap, ClientToken="tok"),
        "TerminateDisks": {"DiskIds": [disk]},
    }[action]
    emu.set_faults(action=action, error="InternalError")
    assert error_code(lambda: tencent.call_json(action, body)) == "InternalError"
    emu.set_faults(action=action, lose="after_apply")
    with pytest.raises((TencentCloudSDKException, requests.exceptions.RequestException)):
        tencent.call_json(action, body)
    (lost,) = [c for c in emu.calls()["log"] if c["outcome"] == "lost"]
    assert lost["action"] == action and lost["applied"] is True
    state = emu.dump_state()
    if action == "ApplySnapshot":
        assert [d["rollbacks"] for d in state["disks"] if d["id"] == disk] == [[snap]]
    elif action == "CreateDisks":
        made = [d["id"] for d in state["disks"] if d.get("source_snapshot") == snap]
        assert len(made) == 1
        # resent with its ClientToken after the lost answer: the same disk, not a second one
        assert tencent.call_json(action, body)["Response"]["DiskIdSet"] == made
    else:
        assert disk not in [d["id"] for d in state["disks"]]
