"""UCloud API: USnap snapshot services and UDisk discovery.

Signatures are checked with the official SDK's signer (``ucloud.core.auth._cfg.verify_ac``).
"""

import hmac
import json
import time
from urllib.parse import parse_qsl

from ucloud.core.auth._cfg import verify_ac
from ucloud.core.typesystem import encoder
from ucloud.services.udisk.schemas import apis as udisk_apis

from .common import ApiError, CloudApi, action, json_answer, paginate, text_answer
from .state import CHAINS, SnapshotService, UDisk, service_expiry

CHARGE_TYPES = {"Year": "Year", "Yearly": "Year", "Month": "Month", "Monthly": "Month", "Dynamic": "Dynamic"}
CHAIN_STEPS = (("Journal", 12), ("Hour", 24), ("Day", 5))
SERVICE_EXISTS = 17090  # emulator's choice: the disk already has a snapshot service
NO_SERVICE = 17091  # emulator's choice: the disk has no snapshot service
THROTTLED = 153
# UDisk restore errors (UCloud's udisk-api error table; which case gets which code is the emulator's choice)
ARREARS = 17084  # the account is in arrears (setting ``arrears``)
SOURCE_RESTORING = 17085  # the source disk is being restored
SOURCE_CLONING = 17086  # the source disk is still being created by a clone
ATTACHED = 17096  # the disk is attached to a UHost
RESTORING = 17097  # the disk is already being restored
CLONE_FROM_IT = 17098  # a clone is being made from the disk: it cannot be restored in place meanwhile
# Parameters each UDisk restore action accepts: the SDK's request model, plus what every request carries.
ENVELOPE = frozenset(["Action", "PublicKey", "Signature"])
KNOWN_PARAMS = {
    name: ENVELOPE | set(getattr(udisk_apis, name + "RequestSchema").fields)
    for name in ("RestoreUDisk", "CloneUDiskUDataArk", "DeleteUDisk")
}


def missing(name: str) -> ApiError:
    return ApiError(220, f"Missing params [{name}]")


def unavailable(name: str, _value=None) -> ApiError:
    return ApiError(230, f"params [{name}] not available")


class Form:
    """Flat string parameters of one request."""

    def __init__(self, params: dict):
        self.params = params

    def get(self, name: str, default=None):
        value = self.params.get(name, "")
        return default if value == "" else value

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise missing(name)
        return value

    def int(self, name: str, default=None, required=False):
        value = self.required(name) if required else self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise unavailable(name) from None


def price(size: int, chain: tuple, charge_type: str, quantity: int) -> dict:
    """Deterministic USnap price in cents (see README)."""
    journal, hour, day = chain
    unit = 2 * journal // 12 + hour // 24 + day // 5  # cents per GB and month
    units = size * unit * max(quantity, 1)
    if charge_type == "Dynamic":
        list_price = -(-units // 720)  # per hour, rounded up
    else:
        list_price = units * (10 if charge_type == "Year" else 1)
    discounted = list_price - list_price // 10
    return {"ChargeType": charge_type, "Price": discounted, "OriginalPrice": discounted, "ListPrice": list_price}


class UCloudApi(CloudApi):
    cloud = "ucloud"

    def __init__(self, state, keys: dict):
        self.state = state
        self.keys = keys  # public key -> private key

    # ------------------------------------------------------------------ protocol
    def parse(self, req):
        params = dict(parse_qsl(req.query, keep_blank_values=True))
        if req.method == "POST" and req.body:
            if "json" in (req.headers.get("Content-Type") or ""):
                try:
                    params.update(encoder.encode(json.loads(req.body)))
                except (ValueError, AttributeError):
                    pass
            else:
                params.update(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        return params.get("Action", ""), params

    def verify(self, req, name, params):
        if not name:
            raise ApiError(160, "Missing Action")
        signature = params.get("Signature")
        if not signature:
            raise ApiError(170, "Missing signature")
        private_key = self.keys.get(params.get("PublicKey", ""))
        if private_key is None:
            raise ApiError(172, "User not exist")
        unsigned = {k: v for k, v in params.items() if k != "Signature"}
        expected = verify_ac(private_key, unsigned)
        if not hmac.compare_digest(expected, signature.lower()):
            raise ApiError(171, "Signature VerifyAC Error")
        handler = self.handler(name)
        known = KNOWN_PARAMS.get(name)
        unknown = sorted(set(params) - known) if known else []
        if unknown:
            raise ApiError(230, f"params [{unknown[0]}] not available: {name} does not take it")
        return lambda p: handler(Form(p))

    def loggable(self, params):
        return {k: v for k, v in params.items() if k != "Signature"}

    def unknown_action(self, name):
        return ApiError(161, f"Action [{name}] not exist")

    def answer(self, name, result, request_id):
        return json_answer(
            {"Action": f"{name}Response", "RetCode": 0, **result}, headers={"X-UCLOUD-REQUEST-UUID": request_id}
        )

    def error(self, name, err, request_id):
        return json_answer(
            {"Action": f"{name}Response", "RetCode": err.code, "Message": err.message},
            headers={"X-UCLOUD-REQUEST-UUID": request_id},
        )

    def throttled(self):
        return ApiError(THROTTLED, "rate limited")

    def server_error(self, alt, request_id):
        return text_answer(503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _location(f: Form):
        return f.required("Region"), f.required("Zone")

    def _disk(self, f: Form, id_param="VDiskId"):
        region, zone = self._location(f)
        disk_id = f.required(id_param)
        disk = self.state.udisks.get(disk_id)
        if disk is None or (disk.region, disk.zone) != (region, zone):
            raise ApiError(17041, f"UDisk [{disk_id}] does not exist")
        return disk

    def _service(self, disk):
        service = self.state.service_of(disk.id)
        if service is None:
            raise ApiError(NO_SERVICE, f"UDisk [{disk.id}] has no snapshot service")
        return service

    @staticmethod
    def _chain(f: Form, default="Base"):
        mode = f.get("BackupMode", default)
        if mode is None:
            raise missing("BackupMode")
        if mode in CHAINS:
            return mode, CHAINS[mode]
        if mode != "Custom":
            raise unavailable("BackupMode")
        chain = []
        for name, step in CHAIN_STEPS:
            value = f.int(name, required=True)
            if value <= 0 or value % step:
                raise unavailable(name)
            chain.append(value)
        return mode, tuple(chain)

    @staticmethod
    def _charge(f: Form):
        charge_type = CHARGE_TYPES.get(f.get("ChargeType", "Month"))
        if charge_type is None:
            raise unavailable("ChargeType")
        quantity = f.int("Quantity", 1)
        if quantity < 0:
            raise unavailable("Quantity")
        return charge_type, quantity

    @staticmethod
    def _size(f: Form) -> int:
        size = f.int("Size", required=True)
        if size <= 0:
            raise unavailable("Size")
        return size

    def _service_row(self, s: SnapshotService, now: float) -> dict:
        disk = self.state.udisks.get(s.disk_id)
        return {
            "ServiceId": s.id,
            "VDiskId": s.disk_id,
            "Zone": s.zone,
            "Status": s.status,
            "ChargeType": s.charge_type,
            "Tag": s.tag,
            "CreateTime": s.create_time,
            "ExpiredTime": s.expired_time,
            "IsExpire": "Yes" if now > s.expired_time else "No",
            "AutoRenew": s.auto_renew,
            "VDiskSize": disk.size if disk else 0,
            "VDiskName": disk.name if disk else "",
            "VDiskType": disk.disk_type if disk else "",
            "VDiskStatus": disk.status if disk else "",
        }

    def _udisk_row(self, d, now: float) -> dict:
        backup = "SnapshotService" if self.state.service_of(d.id) else d.backup_mode
        return {
            "UDiskId": d.id,
            "Name": d.name,
            "Size": d.size,
            "Status": d.status_at(now),
            "ChargeType": d.charge_type,
            "Zone": d.zone,
            "DiskType": d.disk_type,
            "IsBoot": "True" if d.is_boot else "False",
            "Tag": d.tag,
            "BackupMode": backup,
            "CreateTime": d.create_time,
            "UHostId": d.host_id,
            "HostId": d.host_id,
        }

    # ------------------------------------------------------------------ USnap
    @action("CreateSnapshotService", mutates=True)
    def create_snapshot_service(self, f: Form):
        self._location(f)
        f.required("VDiskId")
        charge_type, quantity = self._charge(f)
        mode, (journal, hour, day) = self._chain(f)
        disk = self._disk(f)
        if self.state.service_of(disk.id):
            raise ApiError(SERVICE_EXISTS, f"UDisk [{disk.id}] already has a snapshot service")
        now = int(time.time())
        service = SnapshotService(
            id=self.state.new_id("usnap-", self.state.services),
            disk_id=disk.id,
            region=disk.region,
            zone=disk.zone,
            charge_type=charge_type,
            quantity=quantity,
            tag=f.get("Tag", "Default"),
            mode=mode,
            journal=journal,
            hour=hour,
            day=day,
            create_time=now,
            expired_time=service_expiry(now, charge_type, quantity),
        )
        self.state.services[service.id] = service
        return {"SnapshotServiceId": service.id, "ServiceID": service.id, "Status": service.status}

    @action("DescribeSnapshotService")
    def describe_snapshot_service(self, f: Form):
        region, zone = self._location(f)
        rows = sorted(self.state.services.values(), key=lambda s: (s.create_time, s.id))
        rows = [s for s in rows if (s.region, s.zone) == (region, zone)]
        for param, attr in (("VDiskId", "disk_id"), ("SnapshotServiceId", "id")):
            if f.get(param):
                rows = [s for s in rows if getattr(s, attr) == f.get(param)]
        page, total = paginate(rows, f.int("Offset", 0), f.int("Limit", 20), unavailable)
        now = time.time()
        return {"DataSet": [self._service_row(s, now) for s in page], "TotalCount": total}

    @action("DescribeSnapshotServicePrice")
    def describe_snapshot_service_price(self, f: Form):
        self._location(f)
        size = self._size(f)
        charge_type, quantity = self._charge(f)
        chain = self._chain(f)[1]
        data = price(size, chain, charge_type, quantity)
        return {"DataSet": [data] if self.state.settings.price_as_list else data}

    @action("DescribeUSnapBackupRange")
    def describe_usnap_backup_range(self, f: Form):
        service = self._service(self._disk(f))
        return {
            "BackupMode": service.mode,
            "BackupRange": {"Journal": service.journal, "Hour": service.hour, "Day": service.day},
        }

    @action("UpgradeUSnapBackupRange", mutates=True)
    def upgrade_usnap_backup_range(self, f: Form):
        disk = self._disk(f)
        self._size(f)
        mode, chain = self._chain(f, default=None)
        service = self._service(disk)
        service.mode, (service.journal, service.hour, service.day) = mode, chain
        return {}

    @action("DescribeSnapshotServiceUpgradePrice")
    def describe_snapshot_service_upgrade_price(self, f: Form):
        disk = self._disk(f)
        size = self._size(f)
        upgrade = f.get("SnapshotsvcMode", "Yes")
        if upgrade not in ("Yes", "No"):
            raise unavailable("SnapshotsvcMode")
        target = self._chain(f, default="Ultimate" if upgrade == "Yes" else "Base")[1]
        service = self._service(disk)
        current = (service.journal, service.hour, service.day)
        months = 1
        if service.charge_type != "Dynamic":
            months = max(1, -(-(service.expired_time - int(time.time())) // (30 * 86400)))
        delta = max(
            0, price(size, target, "Month", months)["ListPrice"] - price(size, current, "Month", months)["ListPrice"]
        )
        return {"Price": delta, "OriginalPrice": delta}

    @action("DeleteSnapshotService", mutates=True)
    def delete_snapshot_service(self, f: Form):
        del self.state.services[self._service(self._disk(f)).id]
        return {}

    # ------------------------------------------------------------------ UDisk
    @action("DescribeUDisk")
    def describe_udisk(self, f: Form):
        region = f.required("Region")
        rows = [d for d in sorted(self.state.udisks.values(), key=lambda d: d.id) if d.region == region]
        for param, attr in (
            ("Zone", "zone"),
            ("UDiskId", "id"),
            ("Tag", "tag"),
            ("UDiskName", "name"),
            ("DiskType", "disk_type"),
        ):
            if f.get(param):
                rows = [d for d in rows if getattr(d, attr) == f.get(param)]
        if f.get("ProjectId"):
            rows = [d for d in rows if d.project_id in ("", f.get("ProjectId"))]
        if f.get("IsBoot"):
            boot = f.get("IsBoot").lower() in ("yes", "true")
            rows = [d for d in rows if d.is_boot == boot]
        now = time.time()
        if f.get("Status"):
            rows = [d for d in rows if d.status_at(now) == f.get("Status")]
        page, total = paginate(rows, f.int("Offset", 0), f.int("Limit", 20), unavailable)
        return {"DataSet": [self._udisk_row(d, now) for d in page], "TotalCount": total}

    # ------------------------------------------------------------------ UDisk restores
    def _point(self, f: Form, disk, now: float) -> int:
        """SnapshotTime, which must be a recovery point of the disk's snapshot service."""
        point = f.int("SnapshotTime", required=True)
        if not self._service(disk).holds(point, now):
            raise unavailable("SnapshotTime")
        return point

    def _restorable(self, disk, now: float, source=True):
        """Refusals common to both restores: arrears, then a disk that is busy being cloned or restored."""
        if self.state.settings.arrears:
            raise ApiError(ARREARS, "account in arrears: restores are blocked")
        busy = disk.status_at(now)
        if busy == "Cloning":
            raise ApiError(SOURCE_CLONING, f"UDisk [{disk.id}] is still being created")
        if busy == "Restoring":
            code = SOURCE_RESTORING if source else RESTORING
            raise ApiError(code, f"UDisk [{disk.id}] is being restored")

    @action("CloneUDiskUDataArk", mutates=True)
    def clone_udisk_udataark(self, f: Form):
        for name in ("UDiskId", "SnapshotTime", "Name"):
            f.required(name)
        source, now = self._disk(f, "UDiskId"), time.time()
        self._restorable(source, now)
        point = self._point(f, source, now)
        size = f.int("Size", source.size)
        if size < source.size:
            raise unavailable("Size")
        charge_type = CHARGE_TYPES.get(f.get("ChargeType", "Dynamic"))
        if charge_type is None or f.int("Quantity", 1) < 0:
            raise unavailable("ChargeType" if charge_type is None else "Quantity")
        clone = UDisk(
            id=self.state.new_id("bsm-", self.state.udisks),
            region=source.region,
            zone=source.zone,
            name=f.required("Name"),
            size=size,
            tag=f.get("Tag", "Default"),
            charge_type=charge_type,
            busy_state="Cloning",
            busy_until=now + self.state.settings.clone_delay,
            clone_of=source.id,
            clone_point=point,
        )
        self.state.udisks[clone.id] = clone
        return {"UDiskId": [clone.id]}

    @action("RestoreUDisk", mutates=True)
    def restore_udisk(self, f: Form):
        if f.get("SnapshotId") is not None:
            raise unavailable("SnapshotId")  # the emulator keeps no UDisk snapshots
        f.required("SnapshotTime")
        disk, now = self._disk(f, "UDiskId"), time.time()
        self._restorable(disk, now, source=False)
        if disk.host_id or disk.status == "InUse":
            raise ApiError(ATTACHED, f"UDisk [{disk.id}] is attached to [{disk.host_id}]: detach it first")
        if any(d.clone_of == disk.id and d.status_at(now) == "Cloning" for d in self.state.udisks.values()):
            raise ApiError(CLONE_FROM_IT, f"UDisk [{disk.id}] is being cloned")
        point = self._point(f, disk, now)
        disk.busy_state, disk.busy_until = "Restoring", now + self.state.settings.restore_delay
        disk.restores.append(point)
        return {}

    @action("DeleteUDisk", mutates=True)
    def delete_udisk(self, f: Form):
        disk, now = self._disk(f, "UDiskId"), time.time()
        if disk.host_id or disk.status == "InUse":
            raise ApiError(ATTACHED, f"UDisk [{disk.id}] is attached to [{disk.host_id}]: detach it first")
        if disk.status_at(now) in ("Cloning", "Restoring"):
            raise ApiError(SOURCE_CLONING, f"UDisk [{disk.id}] is busy ({disk.status_at(now)})")
        service = self.state.service_of(disk.id)
        if service is not None:
            del self.state.services[service.id]
        del self.state.udisks[disk.id]
        return {}
