"""UCloud UDisk restores in the emulator (RestoreUDisk, CloneUDiskUDataArk, DeleteUDisk), driven by the official SDK."""

import time

import pytest
import requests
from ucloud.core.exc import RetCodeException, UCloudException

ZONE = "cn-bj2-02"
HOUR, DAY = 3600, 86400


def retcode(call):
    with pytest.raises(RetCodeException) as info:
        call()
    return info.value.code


def seed(emu, **spec):
    """A detached disk in ZONE with a Base service (journal 12 h, hourly 24 h, daily 5 d) created 10 days ago."""
    spec = {"cloud": "ucloud", "zone": ZONE, "status": "Available", "size": 50, **spec}
    spec.setdefault("service", {"mode": "Base", "age": 10 * DAY})
    return emu.seed(**spec)["disks"][0]


def disk(ucloud, disk_id):
    rows = ucloud.udisk().describe_udisk({"Zone": ZONE, "UDiskId": disk_id})["DataSet"]
    return rows[0] if rows else None


def test_a_clone_is_cloning_for_clone_delay_then_available_with_the_source_size(emu, ucloud):
    emu.configure(clone_delay=0.4)
    source = seed(emu)
    point = int(time.time()) - 60
    answer = ucloud.udisk().clone_udisk_udataark(
        {"Zone": ZONE, "UDiskId": source, "SnapshotTime": point, "Name": "restored", "Tag": "drill"}
    )
    (clone_id,) = answer["UDiskId"]  # a list, as the SDK's response model says
    row = disk(ucloud, clone_id)
    assert (row["Status"], row["Name"], row["Tag"], row["Size"], row["UHostId"]) == (
        "Cloning",
        "restored",
        "drill",
        50,
        "",
    )
    time.sleep(0.5)
    assert disk(ucloud, clone_id)["Status"] == "Available"
    record = next(d for d in emu.dump_state()["disks"] if d["id"] == clone_id)
    assert (record["clone_of"], record["clone_point"], record["charge_type"]) == (source, point, "Dynamic")


def test_the_same_name_twice_makes_two_disks_as_ucloud_does(emu, ucloud):
    source = seed(emu)
    params = {"Zone": ZONE, "UDiskId": source, "SnapshotTime": int(time.time()) - 5, "Name": "twice"}
    first = ucloud.invoke("CloneUDiskUDataArk", params)["UDiskId"]
    second = ucloud.invoke("CloneUDiskUDataArk", params)["UDiskId"]
    assert first != second
    assert len(ucloud.invoke("DescribeUDisk", {"Zone": ZONE, "UDiskName": "twice"})["DataSet"]) == 2


@pytest.mark.parametrize(
    "offset, valid",
    [
        (-60, False),  # in the future
        (0, True),  # now: the journal's newest second
        (11 * HOUR + 17, True),  # any second of the last 12 hours
        (13 * HOUR + 17, False),  # beyond the journal, not a whole hour
        ("hour", True),  # a whole hour in the hourly band (12 to 36 hours ago)
        ("day", True),  # 00:00 UTC in the daily band
        ("old_day", False),  # 00:00 UTC, but older than journal + hour + 5 days
        ("before_service", False),  # older than the service
    ],
)
def test_snapshot_time_must_be_a_recovery_point(emu, ucloud, offset, valid):
    source = seed(emu)
    now = int(time.time())
    if offset == "hour":
        point = now - 20 * HOUR - now % HOUR
    elif offset == "day":
        point = now - 2 * DAY - now % DAY
    elif offset == "old_day":
        point = now - 8 * DAY - now % DAY
    elif offset == "before_service":
        point = now - 11 * DAY - now % DAY
    else:
        point = now - offset
    params = {"Zone": ZONE, "UDiskId": source, "SnapshotTime": point, "Name": "n"}
    if valid:
        assert ucloud.invoke("CloneUDiskUDataArk", params)["UDiskId"]
    else:
        assert retcode(lambda: ucloud.invoke("CloneUDiskUDataArk", params)) == 230


def test_restore_in_place_is_restoring_for_restore_delay(emu, ucloud):
    emu.configure(restore_delay=0.4)
    source = seed(emu)
    point = int(time.time()) - 30
    ucloud.udisk().restore_udisk({"Zone": ZONE, "UDiskId": source, "SnapshotTime": point})
    assert disk(ucloud, source)["Status"] == "Restoring"
    assert retcode(lambda: ucloud.invoke("RestoreUDisk", {"Zone": ZONE, "UDiskId": source, "SnapshotTime": point})) == (
        17097
    )
    clone = {"Zone": ZONE, "UDiskId": source, "SnapshotTime": point, "Name": "x"}
    assert retcode(lambda: ucloud.invoke("CloneUDiskUDataArk", clone)) == 17085
    time.sleep(0.5)
    assert disk(ucloud, source)["Status"] == "Available"
    assert next(d for d in emu.dump_state()["disks"] if d["id"] == source)["restores"] == [point]


def test_refusals(emu, ucloud):
    attached = seed(emu, status="InUse")
    now = int(time.time())
    assert disk(ucloud, attached)["UHostId"].startswith("uhost-")
    restore = {"Zone": ZONE, "UDiskId": attached, "SnapshotTime": now}
    assert retcode(lambda: ucloud.invoke("RestoreUDisk", restore)) == 17096
    assert retcode(lambda: ucloud.invoke("DeleteUDisk", {"Zone": ZONE, "UDiskId": attached})) == 17096

    source = seed(emu)
    emu.configure(clone_delay=30)
    (clone,) = ucloud.invoke("CloneUDiskUDataArk", {"Zone": ZONE, "UDiskId": source, "SnapshotTime": now, "Name": "c"})[
        "UDiskId"
    ]
    assert retcode(lambda: ucloud.invoke("RestoreUDisk", dict(restore, UDiskId=source))) == 17098
    assert retcode(lambda: ucloud.invoke("RestoreUDisk", dict(restore, UDiskId=clone))) == 17086
    assert retcode(lambda: ucloud.invoke("DeleteUDisk", {"Zone": ZONE, "UDiskId": clone})) == 17086

    emu.configure(arrears=True)
    assert (
        retcode(
            lambda: ucloud.invoke(
                "CloneUDiskUDataArk", {"Zone": ZONE, "UDiskId": source, "SnapshotTime": now, "Name": "c"}
            )
        )
        == 17084
    )
    emu.configure(arrears=False)

    unprotected = seed(emu, service=None)
    assert retcode(lambda: ucloud.invoke("RestoreUDisk", dict(restore, UDiskId=unprotected))) == 17091
    assert retcode(lambda: ucloud.invoke("RestoreUDisk", {"Zone": ZONE, "UDiskId": source})) == 220
    assert retcode(lambda: ucloud.invoke("DeleteUDisk", {"Zone": ZONE, "UDiskId": "bsm-nope"})) == 17041
    assert not [c for c in emu.calls()["log"] if c["applied"] and c["action"] != "CloneUDiskUDataArk"]


def test_parameters_unknown_to_the_sdk_request_model_are_refused(emu, ucloud, ucloud_post):
    source = seed(emu)
    answer = ucloud_post(
        {"Action": "RestoreUDisk", "Zone": ZONE, "UDiskId": source, "SnapshotTime": 1, "Force": "true"}
    )
    assert (answer.json()["RetCode"], answer.json()["Message"]) == (
        230,
        "params [Force] not available: RestoreUDisk does not take it",
    )
    answer = ucloud_post({"Action": "DeleteUDisk", "Zone": ZONE, "UDiskId": source, "VDiskId": source})
    assert answer.json()["RetCode"] == 230
    assert disk(ucloud, source) is not None


def test_delete_removes_the_disk_and_its_service(emu, ucloud):
    source = seed(emu)
    ucloud.udisk().delete_udisk({"Zone": ZONE, "UDiskId": source})
    assert disk(ucloud, source) is None
    assert not [s for s in emu.dump_state()["services"] if s["disk_id"] == source]


@pytest.mark.parametrize("action", ["RestoreUDisk", "CloneUDiskUDataArk", "DeleteUDisk"])
def test_faults_cover_every_restore_action(emu, ucloud, action):
    source = seed(emu)
    params = {"Zone": ZONE, "UDiskId": source}
    if action != "DeleteUDisk":
        params["SnapshotTime"] = int(time.time())
    if action == "CloneUDiskUDataArk":
        params["Name"] = "f"
    emu.set_faults(action=action, error="17095", message="restore failed")
    assert retcode(lambda: ucloud.invoke(action, params)) == 17095
    emu.set_faults(action=action, lose="after_apply")
    with pytest.raises((requests.ConnectionError, UCloudException)):  # dropped without an answer
        ucloud.invoke(action, params)
    counters = emu.calls()["actions"][action]
    assert (counters["faulted"], counters["lost"], counters["applied"]) == (1, 1, 1)
