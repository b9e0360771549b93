# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_restore's pure parts: the request checks (each refusal names the option), the choice of the snapshot, the
judge of a restored disk, when a lost ApplySnapshot counts as done, and which disks state=absent may delete."""

import pytest

from ansible_collections.snapshield.cloud.plugins.module_utils._wait import BROKEN, BUSY, READY
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.api import rollback_began
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import check_restore_request
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.restore import (
    choose_snapshot,
    judge_disk,
    split_absent,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import DiskError

TAG = "snapshield-restored-from"


def request(**params):
    base = dict(target="clone", state="present", wait=True, wait_timeout=600)
    return check_restore_request(dict(base, **params))


def test_defaults_latest_snapshot_and_a_name_per_disk():
    checked = request(disk_ids=["disk-1", "disk-2"])
    assert checked["snapshot_name"] == "latest" and checked["disk_name"] == "{disk_id}-restored"
    assert request(snapshot_id="snap-1")["snapshot_name"] is None


@pytest.mark.parametrize(
    "params, words",
    [
        (dict(snapshot_id="snap-1", snapshot_name="x"), "snapshot_name"),
        (dict(snapshot_id="snap-1", disk_ids=["disk-1", "disk-2"]), "snapshot_id"),
        (dict(), "snapshot_id, or disk_ids"),
        (dict(disk_ids=["disk-1", "disk-2"], disk_name="same"), "disk_name must contain {disk_id}"),
        (dict(disk_ids=["disk-1"], disk_name="n" * 50 + "{disk_id}"), "disk_name is 63 characters"),
        (dict(disk_ids=["disk-1"], target="in_place", disk_name="x"), "disk_name only apply to a new disk"),
        (dict(disk_ids=["disk-1"], target="in_place", disk_size=10), "disk_size only apply"),
        (dict(disk_ids=["disk-1"], target="in_place", auto_start_instance=True), "auto_start_instance needs"),
        (dict(disk_ids=["disk-1"], auto_stop_instance=True), "auto_stop_instance only apply to target=in_place"),
        (dict(disk_ids=["disk-1"], state="absent", target="in_place"), "state=absent"),
        (dict(disk_ids=["disk-1"], state="absent", snapshot_name="nightly"), "snapshot_name only apply"),
        (dict(disk_ids=["disk-1"], state="absent", disk_size=100), "disk_size only apply"),
        (dict(disk_ids=["disk-1"], tags={TAG: "snap-x"}), "tags must not set"),
        (dict(disk_ids=["disk-1"], disk_size=0), "disk_size must be 1 or more"),
    ],
)
def test_refusals_name_the_option(params, words):
    with pytest.raises(ValueError) as refused:
        request(**params)
    assert words in str(refused.value)


def test_absent_takes_tags_as_a_filter_and_latest():
    checked = request(disk_ids=["disk-1"], state="absent", tags={"drill": "yes"}, snapshot_name="latest")
    assert checked["tags"] == {"drill": "yes"} and checked["disk_name"] == "{disk_id}-restored"


def snap(snapshot_id, name="nightly", state="NORMAL"):
    return dict(SnapshotId=snapshot_id, SnapshotName=name, SnapshotState=state)


def test_choose_the_newest_normal_snapshot():
    snaps = [snap("s3", "weekly", "CREATING"), snap("s2", "weekly"), snap("s1", "nightly")]
    assert choose_snapshot(snaps, "latest")["SnapshotId"] == "s2"
    assert choose_snapshot(snaps, "nightly")["SnapshotId"] == "s1"
    assert choose_snapshot(snaps, "monthly") is None
    with pytest.raises(DiskError, match="s9 .* is CREATING"):
        choose_snapshot([snap("s9", "now", "CREATING")], "now")


@pytest.mark.parametrize(
    "disk, kwargs, verdict",
    [
        (dict(DiskState="UNATTACHED", DiskSize=100), dict(size=100), READY),
        (dict(DiskState="UNATTACHED", DiskSize=50), dict(size=100), BROKEN),
        (dict(DiskState="CREATING", DiskSize=100), dict(size=100), BUSY),
        (dict(DiskState="CREATING", DiskSize=100), dict(size=100, waits=False), READY),
        (dict(DiskState="TORECYCLE"), {}, BROKEN),
        (dict(DiskState="ROLLBACKING", Rollbacking=True, RollbackPercent=40), dict(rolled_back=True), BUSY),
        (dict(DiskState="ATTACHED", Rollbacking=False, RollbackPercent=0), dict(rolled_back=True), BUSY),
        (dict(DiskState="ATTACHED", Rollbacking=False, RollbackPercent=100), dict(rolled_back=True), READY),
    ],
)
def test_judge_of_a_restored_disk(disk, kwargs, verdict):
    assert judge_disk(disk, **kwargs)[0] == verdict


@pytest.mark.parametrize(
    "before, after, began",
    [
        (dict(RollbackPercent=0), dict(DiskState="ROLLBACKING", RollbackPercent=10), True),
        (dict(RollbackPercent=0), dict(DiskState="UNATTACHED", Rollbacking=True), True),
        (dict(RollbackPercent=0), dict(DiskState="UNATTACHED", RollbackPercent=100), True),
        (dict(RollbackPercent=0), dict(DiskState="UNATTACHED", RollbackPercent=0), False),
        (dict(RollbackPercent=100), dict(DiskState="UNATTACHED", RollbackPercent=100), False),
    ],
)
def test_a_lost_apply_counts_as_done_only_on_evidence(before, after, began):
    assert rollback_began(before, after) is began


def test_absent_deletes_only_tagged_disks_that_are_no_source():
    def disk(disk_id, **tags):
        return dict(DiskId=disk_id, Tags=[dict(Key=k, Value=v) for k, v in tags.items()])

    named = [
        disk("d-mine", **{TAG: "snap-1", "drill": "yes"}),
        disk("d-other-snap", **{TAG: "snap-2", "drill": "yes"}),
        disk("d-untagged", drill="yes"),
        disk("d-source", **{TAG: "snap-0", "drill": "yes"}),
        disk("d-no-drill", **{TAG: "snap-1"}),
    ]
    wanted = dict(snapshot_id=None, tags={"drill": "yes"})
    mine, others = split_absent(wanted, named, {"d-source"})
    assert [d["DiskId"] for d in mine] == ["d-mine", "d-other-snap"]
    assert [d["DiskId"] for d in others] == ["d-untagged", "d-source", "d-no-drill"]
    mine, _others = split_absent(dict(wanted, snapshot_id="snap-1"), named, set())
    assert [d["DiskId"] for d in mine] == ["d-mine"]
