# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap_restore's mutating actions, each faulted once, at module level (main() in-process, real client, emulator).

A clone is made once and a re-run makes none; a deleted clone is deleted once; an in-place restore is applied
once, however its answer went missing: lost before or after UCloud acted, an HTTP 503, a throttling refusal.
"""

import contextlib
import io
import json

import pytest

from ansible_collections.snapshield.cloud.plugins.modules import usnap_restore
from tests.emulator import Emulator
from tests.unit.module_args import patch_module_args

ZONE = "cn-bj2-02"
MUTATING = ("CloneUDiskUDataArk", "RestoreUDisk", "DeleteUDisk")
SENT = {
    ("lose", "after_apply"): [("lost", True)],  # read back, found applied: not sent again
    ("lose", "before_apply"): [("lost", False), ("ok", True)],  # read back, not applied: sent again
    ("http_status", 503): [("faulted", False), ("ok", True)],
    ("throttle", True): [("throttled", False), ("ok", True)],
}
FAULTS = sorted(SENT)


def fault_id(fault):
    return "%s-%s" % fault


@pytest.fixture(scope="module")
def emu():
    with Emulator(disks=0, rate_limit=0, settings=dict(clone_delay=0.2, restore_delay=3)) as emulator:
        yield emulator


@pytest.fixture
def fresh(emu):
    emu.reset()
    emu.configure(clone_delay=0.2, restore_delay=3)
    return emu


def run(emu, **args):
    creds = emu.credentials
    auth = dict(
        public_key=creds["ucloud_public_key"],
        private_key=creds["ucloud_private_key"],
        region="cn-bj2",
        base_url=emu.url,
    )
    out = io.StringIO()
    with patch_module_args(dict(auth, zone=ZONE, **args)), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as ended:
            usnap_restore.main()
    result = json.loads(out.getvalue())
    assert ended.value.code == 0 and not result.get("failed"), result
    return result


def sent(emu, action):
    return [(e["outcome"], e["applied"]) for e in emu.calls()["log"] if e["action"] == action]


def faulted(emu, action, fault, **args):
    emu.clear_calls()
    emu.set_faults(action=action, **dict([fault]))
    result = run(emu, **args)
    assert result["changed"], result
    assert sent(emu, action) == SENT[fault]
    assert emu.set_faults()["rules"] == [], "the fault was never triggered: the test proves nothing"
    return result


def seed(emu, **spec):
    return emu.seed(zone=ZONE, status="Available", service=dict(mode="Base", age=3600), **spec)["disks"][0]


def clones(emu):
    return [d for d in emu.dump_state()["disks"] if d.get("clone_of")]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_clone(fresh, fault):
    disk = seed(fresh)
    args = dict(disk_id=disk, clone_name="c-{disk_id}", business_group="drill")
    result = faulted(fresh, "CloneUDiskUDataArk", fault, **args)
    [clone] = clones(fresh)
    assert result["restore"]["restored_disk_id"] == clone["id"] and result["restore"]["state"] == "Available"
    fresh.clear_calls()
    again = run(fresh, **args)
    assert not again["changed"] and again["restore"]["restored_disk_id"] == clone["id"]
    assert not [e for e in fresh.calls()["log"] if e["action"] in MUTATING]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_delete_clone(fresh, fault):
    disk = seed(fresh)
    args = dict(disk_id=disk, clone_name="c-{disk_id}", business_group="drill")
    made = run(fresh, **args)["restore"]["restored_disk_id"]
    result = faulted(fresh, "DeleteUDisk", fault, state="absent", **args)
    assert result["restore"]["deleted_disk_ids"] == [made] and clones(fresh) == []
    fresh.clear_calls()
    assert not run(fresh, state="absent", **args)["changed"]
    assert not [e for e in fresh.calls()["log"] if e["action"] in MUTATING]


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_restore_in_place_is_applied_once(fresh, fault):
    disk = seed(fresh)
    result = faulted(fresh, "RestoreUDisk", fault, disk_id=disk, target="in_place", wait=False)
    [record] = [d for d in fresh.dump_state()["disks"] if d["id"] == disk]
    assert len(record["restores"]) == 1 and result["restore"]["state"] == "Restoring"
