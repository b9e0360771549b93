"""The emulated account: disks of both clouds, USnap services, CBS snapshots, the call log.

Everything here is guarded by ``State.lock`` (the one lock of the emulator); callers take it.
"""

import dataclasses
import random
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from .common import parse_iso_utc

UCLOUD_REGION = "cn-bj2"
UCLOUD_ZONES = ("cn-bj2-02", "cn-bj2-03")
TENCENT_REGION = "ap-guangzhou"
TENCENT_ZONES = ("ap-guangzhou-3", "ap-guangzhou-4")
FLEET_SIZES = (20, 50, 100, 200, 500, 1000)
UCLOUD_GROUPS = ("Default", "web", "db")
TENCENT_ENVS = ("prod", "staging", "dev")
TENCENT_TEAMS = ("alpha", "beta")

# USnap backup chains (hours of journal, hours of hourly points, days of daily points).
CHAINS = {"Base": (12, 24, 5), "Ultimate": (24, 72, 30)}


@dataclass
class Settings:
    """Behaviour switches, changed with POST /_emulator/config."""

    snapshot_delay: float = 2.0  # seconds a CBS snapshot stays CREATING (0 = NORMAL at once)
    copy_delay: float = 2.0  # seconds a cross-region copy takes (COPYING_FROM_REMOTE, then CHECKING_COPIED)
    clone_delay: float = 2.0  # seconds a UDisk made by CloneUDiskUDataArk stays Cloning before Available
    restore_delay: float = 2.0  # seconds a UDisk stays Restoring after RestoreUDisk
    arrears: bool = False  # the account is in arrears: RestoreUDisk and CloneUDiskUDataArk -> 17084
    price_as_list: bool = False  # DescribeSnapshotServicePrice DataSet as a one-element list
    snapshot_quota: int = 64  # CBS snapshots per disk (0 = unlimited)
    reject_encrypted: bool = False  # CreateSnapshot on an encrypted disk -> UnsupportedOperation.DiskEncrypt
    busy_while_creating: bool = False  # CreateSnapshot while one is CREATING -> InvalidDisk.SnapshotCreating
    policy_quota: int = 30  # CBS automatic snapshot policies per region (0 = unlimited)
    disk_create_delay: float = 2.0  # seconds a CBS disk made by CreateDisks stays CREATING before UNATTACHED
    rollback_delay: float = 2.0  # seconds a CBS disk stays ROLLBACKING after ApplySnapshot
    client_token_ttl: float = 3600.0  # seconds CreateDisks remembers a ClientToken (answers its disks again)


@dataclass
class UDisk:
    id: str
    region: str
    zone: str
    name: str
    size: int
    tag: str = "Default"
    disk_type: str = "DataDisk"
    is_boot: bool = False
    status: str = "Available"
    backup_mode: str = ""  # "UDataArk" for a disk protected by the older product
    create_time: int = field(default_factory=lambda: int(time.time()))
    cloud: str = "ucloud"
    host_id: str = ""  # the UHost it is attached to ("" when detached)
    project_id: str = ""  # listed only under this ProjectId; "" = under any (the fleet's disks)
    charge_type: str = "Month"
    busy_state: str = ""  # Cloning (CloneUDiskUDataArk) or Restoring (RestoreUDisk) until busy_until
    busy_until: float = 0.0
    clone_of: Optional[str] = None  # CloneUDiskUDataArk: the source disk and the point it was made from
    clone_point: Optional[int] = None
    restores: list = field(default_factory=list)  # the SnapshotTime of every RestoreUDisk applied, in order

    def status_at(self, now: float) -> str:
        """``status`` once settled; ``busy_state`` while a clone or a restore runs."""
        return self.busy_state if self.busy_state and now < self.busy_until else self.status


@dataclass
class SnapshotService:
    id: str
    disk_id: str
    region: str
    zone: str
    charge_type: str
    quantity: int
    tag: str
    mode: str
    journal: int
    hour: int
    day: int
    create_time: int
    expired_time: int
    status: str = "Available"
    auto_renew: str = "Yes"

    def holds(self, point: int, now: float) -> bool:
        """Whether ``point`` is a recovery point: any second of the last ``journal`` hours, then whole hours for
        ``hour`` hours, then whole days (00:00 UTC) for ``day`` days; never before the service was created nor
        after now (or after the service expired)."""
        end = min(now, self.expired_time) if self.status == "Expired" else now
        if point < self.create_time or point > end:
            return False
        journal_from = end - self.journal * 3600
        hourly_from = journal_from - self.hour * 3600
        daily_from = hourly_from - self.day * 86400
        return bool(
            (self.journal and point >= journal_from)
            or (self.hour and point >= hourly_from and point % 3600 == 0)
            or (self.day and point >= daily_from and point % 86400 == 0)
        )


@dataclass
class CbsDisk:
    id: str
    region: str
    zone: str
    name: str
    size: int
    usage: str = "DATA_DISK"
    disk_type: str = "CLOUD_PREMIUM"
    state: str = "ATTACHED"
    snapshot_ability: bool = True
    encrypted: bool = False
    project_id: int = 0
    tags: dict = field(default_factory=dict)
    create_time: float = field(default_factory=time.time)
    cloud: str = "tencent"
    charge_type: str = "POSTPAID_BY_HOUR"
    instance_stoppable: bool = True  # False: ApplySnapshot with AutoStopInstance -> InvalidInstance.NotSupported
    busy_state: str = ""  # CREATING (CreateDisks) or ROLLBACKING (ApplySnapshot) until busy_until
    busy_since: float = 0.0
    busy_until: float = 0.0
    rollbacks: list = field(default_factory=list)  # ids of the snapshots ApplySnapshot applied, in order
    source_snapshot: Optional[str] = None  # the snapshot CreateDisks made it from

    def state_at(self, now: float) -> str:
        """``state`` once settled; ``busy_state`` while a create or a rollback runs."""
        return self.busy_state if self.busy_state and now < self.busy_until else self.state

    def rollback_percent(self, now: float) -> int:
        """Progress of the last rollback (0 before any)."""
        if not self.rollbacks:
            return 0
        if self.busy_state != "ROLLBACKING" or now >= self.busy_until:
            return 100
        span = max(self.busy_until - self.busy_since, 1e-9)
        return max(0, min(99, int(100 * (now - self.busy_since) / span)))

    instance_id: str = ""  # the CVM it is attached to


@dataclass
class Snapshot:
    id: str
    disk_id: str
    region: str
    zone: str
    name: str
    size: int
    usage: str
    encrypted: bool
    project_id: int
    tags: list
    create_time: float
    ready_at: float
    deadline: Optional[float] = None
    disk_backup_id: Optional[str] = None
    fixed_state: Optional[str] = None  # seeded snapshots may be pinned to any state
    copy_from_remote: bool = False  # a copy made by CopySnapshotCrossRegions, living in its destination region
    copying_to: dict = field(default_factory=dict)  # destination region -> when that copy is done
    rollback_until: float = 0.0  # ApplySnapshot: ROLLBACKING until then

    def state(self, now: float) -> str:
        if not self.fixed_state and now < self.rollback_until:
            return "ROLLBACKING"
        if self.fixed_state or now >= self.ready_at:
            return self.fixed_state or "NORMAL"
        if not self.copy_from_remote:
            return "CREATING"
        # a copy is transferred for the first 70% of its time, then checked
        return (
            "COPYING_FROM_REMOTE"
            if now < self.create_time + 0.7 * (self.ready_at - self.create_time)
            else "CHECKING_COPIED"
        )

    def percent(self, now: float) -> int:
        if self.state(now) not in ("CREATING", "COPYING_FROM_REMOTE", "CHECKING_COPIED"):
            return 100
        span = max(self.ready_at - self.create_time, 1e-9)
        return max(0, min(99, int(100 * (now - self.create_time) / span)))


@dataclass
class AutoSnapshotPolicy:
    """A CBS automatic snapshot policy: its schedule (``Policy`` items), retention, and the disks bound to it."""

    id: str
    region: str
    name: str
    schedule: list  # [{"Hour": [...], "DayOfWeek": [...] | "DayOfMonth": [...] | "IntervalDays": n}]
    activated: bool = True
    permanent: bool = False
    retention_days: int = 7
    create_time: float = field(default_factory=time.time)
    disk_ids: list = field(default_factory=list)
    state: str = "NORMAL"


class CallLog:
    """Per-action counters and the ordered log of calls."""

    OUTCOMES = ("ok", "error", "throttled", "faulted", "lost")

    def __init__(self):
        self.clear()

    def clear(self):
        self.actions = {}
        self.log = []

    def record(self, cloud, action, params, outcome, code=None, applied=False, request_id=None, region=None):
        counters = self.actions.setdefault(
            action, {"cloud": cloud, "total": 0, "applied": 0, **dict.fromkeys(self.OUTCOMES, 0)}
        )
        counters["total"] += 1
        counters[outcome] += 1
        counters["applied"] += int(applied)
        self.log.append(
            {
                "seq": len(self.log) + 1,
                "time": time.time(),
                "cloud": cloud,
                "action": action,
                "params": params,
                "outcome": outcome,
                "code": code,
                "applied": applied,
                "request_id": request_id,
                "region": region,
            }
        )

    def to_dict(self):
        return {"actions": self.actions, "log": self.log}


def service_expiry(now: int, charge_type: str, quantity: int) -> int:
    """Year = 365 days, Month = 30 days per unit (0 = one month); Dynamic renews hourly."""
    days = {"Year": 365, "Month": 30}.get(charge_type)
    return now + (days * max(quantity, 1) * 86400 if days else 3600)


def _region_of(zone: str) -> str:
    return zone.rsplit("-", 1)[0]


class State:
    def __init__(self, settings: Settings, seed: int = 0):
        self.lock = threading.RLock()
        self.settings = settings
        self.calls = CallLog()
        self.reset(seed)

    def reset(self, seed: int = 0):
        self.udisks, self.services, self.cbs_disks, self.snapshots = {}, {}, {}, {}
        self.policies = {}
        self.client_tokens = {}  # CreateDisks ClientToken -> (its DiskIdSet, when it was first used)
        self._ids = random.Random(seed)
        self._serial = {"ucloud": 0, "tencent": 0}

    def new_id(self, prefix: str, taken) -> str:
        alphabet = string.ascii_lowercase + string.digits
        while True:
            candidate = prefix + "".join(self._ids.choice(alphabet) for _position in range(8))
            if candidate not in taken:
                return candidate

    # ------------------------------------------------------------------ lookups
    def service_of(self, disk_id: str) -> Optional[SnapshotService]:
        return next((s for s in self.services.values() if s.disk_id == disk_id), None)

    def expire_snapshots(self, now: float):
        """CBS deletes a snapshot when its deadline passes."""
        for snap_id in [s.id for s in self.snapshots.values() if s.deadline and s.deadline <= now]:
            del self.snapshots[snap_id]

    # ------------------------------------------------------------------ seeding
    def seed_fleet(self, count: int):
        """``count`` disks per cloud with stable ids, sizes, zones, groups and tags (see README)."""
        for cloud in ("ucloud", "tencent"):
            for _disk_number in range(count):
                self.add_disks({"cloud": cloud})

    def add_disks(self, spec: dict) -> dict:
        """Implements POST /_emulator/seed; returns the ids it created."""
        spec = dict(spec)
        cloud = spec.pop("cloud", "ucloud")
        count = int(spec.pop("count", 1))
        seeder = {"ucloud": self._seed_udisk, "tencent": self._seed_cbs_disk}.get(cloud)
        if seeder is None:
            raise ValueError(f"cloud must be ucloud or tencent, not {cloud!r}")
        created = {"disks": [], "services": [], "snapshots": []}
        for _disk_number in range(count):
            seeder(self._serial[cloud] + 1, dict(spec), created)
            self._serial[cloud] += 1
        return created

    @staticmethod
    def _take(spec: dict, kind: str) -> dict:
        """Pop the fields of a record dataclass out of ``spec``; anything left over is an error."""
        names = {f.name for f in dataclasses.fields(kind)}
        picked = {k: spec.pop(k) for k in list(spec) if k in names}
        if spec:
            raise ValueError(f"unknown seed fields: {sorted(spec)}")
        return picked

    def _seed_udisk(self, n: int, spec: dict, created: dict):
        service = spec.pop("service", None)
        zone = spec.pop("zone", UCLOUD_ZONES[(n - 1) % 2])
        boot = n % 5 == 0
        fields = {
            "id": f"bsm-emu{n:05d}",
            "zone": zone,
            "region": _region_of(zone),
            "name": f"emu-udisk-{n:05d}",
            "size": FLEET_SIZES[(n - 1) % len(FLEET_SIZES)],
            "tag": UCLOUD_GROUPS[(n - 1) % len(UCLOUD_GROUPS)],
            "is_boot": boot,
            "disk_type": "SystemDisk" if boot else "DataDisk",
            "status": "InUse" if n % 2 else "Available",
        }
        fields.update(self._take(spec, UDisk))
        fields.setdefault("host_id", f"uhost-emu{n:05d}" if fields["status"] == "InUse" else "")
        disk = UDisk(**fields)
        self.udisks[disk.id] = disk
        created["disks"].append(disk.id)
        if service is not None:
            created["services"].append(self._seed_service(disk, service).id)

    def _seed_service(self, disk: UDisk, spec: dict) -> SnapshotService:
        mode = spec.get("mode", "Base")
        journal, hour, day = CHAINS.get(mode, (spec.get("journal"), spec.get("hour"), spec.get("day")))
        now = int(time.time())
        created = now - int(spec.get("age", 0))  # age: seconds the service has existed (its window's start)
        charge_type, quantity = spec.get("charge_type", "Month"), int(spec.get("quantity", 1))
        service = SnapshotService(
            id=spec.get("id") or self.new_id("usnap-", self.services),
            disk_id=disk.id,
            region=disk.region,
            zone=disk.zone,
            charge_type=charge_type,
            quantity=quantity,
            tag=spec.get("tag", disk.tag),
            mode=mode,
            journal=journal,
            hour=hour,
            day=day,
            create_time=created,
            expired_time=spec.get("expired_time") or service_expiry(now, charge_type, quantity),
            status=spec.get("status", "Available"),
        )
        self.services[service.id] = service
        return service

    def _seed_cbs_disk(self, n: int, spec: dict, created: dict):
        snapshots = spec.pop("snapshots", [])
        zone = spec.pop("zone", TENCENT_ZONES[(n - 1) % 2])
        tags = spec.pop("tags", {"env": TENCENT_ENVS[(n - 1) % 3], "team": TENCENT_TEAMS[(n - 1) % 2]})
        if isinstance(tags, list):
            tags = {t["Key"]: t["Value"] for t in tags}
        system = n % 5 == 0
        fields = {
            "id": f"disk-emu{n:05d}",
            "zone": zone,
            "region": _region_of(zone),
            "name": f"emu-cbs-{n:05d}",
            "size": FLEET_SIZES[(n - 1) % len(FLEET_SIZES)],
            "usage": "SYSTEM_DISK" if system else "DATA_DISK",
            "disk_type": "CLOUD_SSD" if n % 3 == 0 else "CLOUD_PREMIUM",
            "snapshot_ability": n % 10 != 0,
            "encrypted": n % 7 == 0,
            "tags": tags,
        }
        fields.update(self._take(spec, CbsDisk))
        fields.setdefault("instance_id", f"ins-emu{n:05d}" if fields.get("state", "ATTACHED") == "ATTACHED" else "")
        disk = CbsDisk(**fields)
        self.cbs_disks[disk.id] = disk
        created["disks"].append(disk.id)
        if isinstance(snapshots, int):
            snapshots = [{} for _snapshot_number in range(snapshots)]
        for snap in snapshots:
            created["snapshots"].append(self._seed_snapshot(disk, snap).id)

    def _seed_snapshot(self, disk: CbsDisk, spec: dict) -> Snapshot:
        now = time.time()
        created = now - float(spec.get("age", 3600))
        deadline = spec.get("deadline")
        if isinstance(deadline, str):
            deadline = parse_iso_utc(deadline)
        tags = spec.get("tags", [])
        if isinstance(tags, dict):
            tags = [{"Key": k, "Value": v} for k, v in tags.items()]
        snap = Snapshot(
            id=spec.get("id") or self.new_id("snap-", self.snapshots),
            disk_id=disk.id,
            region=disk.region,
            zone=disk.zone,
            name=spec.get("name", "Unnamed"),
            size=int(spec.get("size", disk.size)),
            usage=disk.usage,
            encrypted=disk.encrypted,
            project_id=disk.project_id,
            tags=tags,
            create_time=created,
            ready_at=created,
            deadline=deadline,
            fixed_state=spec.get("state"),
        )
        self.snapshots[snap.id] = snap
        return snap

    # ------------------------------------------------------------------ dump
    def to_dict(self) -> dict:
        now = time.time()
        self.expire_snapshots(now)
        snapshots = []
        for snap in self.snapshots.values():
            snapshots.append({**dataclasses.asdict(snap), "state": snap.state(now), "percent": snap.percent(now)})
        return {
            "now": now,
            "settings": dataclasses.asdict(self.settings),
            "disks": [dataclasses.asdict(d) for d in self.udisks.values()]
            + [{**dataclasses.asdict(d), "state": d.state_at(now)} for d in self.cbs_disks.values()],
            "services": [dataclasses.asdict(s) for s in self.services.values()],
            "snapshots": snapshots,
            "policies": [dataclasses.asdict(p) for p in self.policies.values()],
        }
