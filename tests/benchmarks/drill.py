# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore_drill role in ``make bench`` and ``make soak``: what a drill seeds, runs and must leave behind.

Each cloud's drill clones every disk of a sample at once and deletes its clones; the emulator takes
``CLONE_TIME`` seconds to make a clone. The bench compares the wall time with the API bound plus what a drill of
one disk takes (Ansible, the module starts, one clone's time and the polls);
the soak checks, from the emulator's state (watched while the drill runs) and its call log, that no clone is left,
none was made twice, and nothing but a drill clone was deleted.
"""

import threading
from collections import defaultdict

CLONE_TIME = 5.0
PREFIX = "snapshield-drill-"
EARLIER = PREFIX + "20261201T000000Z-"  # an earlier drill's clone name, less its source disk's id
MARKER, MARKER_VALUE = "snapshield-drill", "restore_drill"
# Per cloud: the emulator's cloud name, the drill's zone (away from the fleet benchmark's disks), the actions that
# make and delete clones, and how a disk of the state names the disks it deletes in the call log.
CLOUDS = dict(
    ucloud=dict(emulator="ucloud", zone="cn-bj2-03", clone="CloneUDiskUDataArk", delete="DeleteUDisk"),
    tencentcloud=dict(emulator="tencent", zone="ap-guangzhou-4", clone="CreateDisks", delete="TerminateDisks"),
)


def seed(bench, cloud, count):
    """``count`` disks with recovery points in the drill's zone."""
    zone = CLOUDS[cloud]["zone"]
    if cloud == "ucloud":
        return bench.seed("ucloud", count, zone=zone, tag="drill-bench", service=dict(mode="Base"))
    return bench.seed(
        "tencent",
        count,
        zone=zone,
        tags={"fleet": "drill-bench"},
        snapshots=[dict(age=3600)],
        snapshot_ability=True,
        encrypted=False,
    )


def seed_others(bench, cloud, disks):
    """Disks the drill must never delete - one named as a clone without the marker, one with the marker but not
    named as a clone - and a clone an earlier drill left, which it must delete: ``{disks, keep, left}``."""
    zone = CLOUDS[cloud]["zone"]
    if cloud == "ucloud":
        keep = bench.seed("ucloud", 1, zone=zone, tag="Default", name=EARLIER + disks[0])
        keep += bench.seed("ucloud", 1, zone=zone, tag=MARKER, name="scratch")
        left = bench.seed("ucloud", 1, zone=zone, tag=MARKER, name=EARLIER + disks[1], status="Available")
    else:
        common = dict(zone=zone, snapshot_ability=True, encrypted=False, state="UNATTACHED")
        keep = bench.seed("tencent", 1, tags={}, name=EARLIER + disks[0], **common)
        keep += bench.seed("tencent", 1, tags={MARKER: MARKER_VALUE}, name="scratch", **common)
        marks = {MARKER: MARKER_VALUE, "snapshield-restored-from": "snap-earlier"}
        left = bench.seed("tencent", 1, tags=marks, name=EARLIER + disks[1], **common)
    return dict(disks=disks, keep=keep, left=left)


def extra_vars(cloud, count, report, disks=None):
    """The role's variables: a sample of ``count`` disks of the drill's zone, or the given ``disks``."""
    return dict(
        restore_drill_cloud=cloud,
        restore_drill_zone=CLOUDS[cloud]["zone"],
        restore_drill_sample=0 if disks else count,
        restore_drill_disks=disks or [],
        restore_drill_report=str(report),
    )


def applied(bench, action):
    """How many calls of ``action`` took effect in the last run (a resent throttled call is counted once)."""
    return bench.control("calls")["actions"].get(action, {}).get("applied", 0)


class Watcher:
    """Reads the emulator's state every ``interval`` seconds while a drill runs: every disk seen, by id."""

    def __init__(self, bench, cloud, interval=0.5):
        self.bench, self.cloud, self.interval = bench, CLOUDS[cloud]["emulator"], interval
        self.seen = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            self.look()
            self._stop.wait(self.interval)

    def look(self):
        for disk in self.bench.control("state")["disks"]:
            if disk["cloud"] == self.cloud:
                self.seen.setdefault(disk["id"], disk)
        return self

    def __enter__(self):
        self.look()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.look()


def _tags(disk):
    return disk.get("tags") or {}


def is_clone(disk):
    """A drill clone as the state shows it: named as one and marked (UCloud business group, CBS tag)."""
    marked = disk.get("tag") == MARKER if disk["cloud"] == "ucloud" else _tags(disk).get(MARKER) == MARKER_VALUE
    return str(disk.get("name") or "").startswith(PREFIX) and marked


def deleted_ids(calls, cloud):
    """The disks the run's applied delete calls name."""
    action = CLOUDS[cloud]["delete"]
    ids = []
    for call in calls["log"]:
        if call["action"] == action and call["applied"]:
            params = call["params"]
            ids += params.get("DiskIds") or [params.get("UDiskId")]
    return ids


def outcome(bench, cloud, before, watcher, seeded):
    """``(left, duplicates, wrongly deleted)`` of a drill run, from the state (before, watched, after) and calls."""
    now = {d["id"]: d for d in bench.control("state")["disks"] if d["cloud"] == CLOUDS[cloud]["emulator"]}
    new = {disk_id: disk for disk_id, disk in watcher.seen.items() if disk_id not in before}
    clones = defaultdict(set)
    for disk_id, disk in new.items():
        clones[disk["name"]].add(disk_id)
    left = sorted(disk_id for disk_id, disk in now.items() if is_clone(disk))
    duplicates = sum(len(ids) - 1 for ids in clones.values() if len(ids) > 1)
    allowed = {disk_id for disk_id, disk in {**before, **new}.items() if is_clone(disk)}
    wrong = sorted(set(deleted_ids(bench.control("calls"), cloud)) - allowed)
    wrong += sorted(disk_id for disk_id in seeded["disks"] + seeded["keep"] if disk_id not in now)
    return left, duplicates, sorted(set(wrong))
