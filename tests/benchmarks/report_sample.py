# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Large fleet reports from results shaped as the modules return them, for timing and for looking at.

``python tests/benchmarks/report_sample.py`` times building a 1000-disk report (the data and every format) and,
with ``--docs``, writes the 1000-disk USnap and CBS reports' screenshots into docs/images (headless Chromium).
The fleets are seeded, so every run draws the same disks.
"""

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)
SIZES = (20, 50, 100, 200, 500, 1000)
CHAINS = {"Base": (12, 24, 5), "Ultimate": (24, 72, 30), "Custom": (36, 48, 10)}


def _import_report():
    try:
        from ansible_collections.snapshield.cloud.plugins.plugin_utils import fleet_report
    except ImportError:  # run as a script: put this checkout on the path as snapshield.cloud
        base = Path(tempfile.mkdtemp(prefix="snapshield-report-"))
        (base / "ansible_collections" / "snapshield").mkdir(parents=True)
        (base / "ansible_collections" / "snapshield" / "cloud").symlink_to(ROOT)
        sys.path.insert(0, str(base))
        from ansible_collections.snapshield.cloud.plugins.plugin_utils import fleet_report
    return fleet_report


def _price(size, mode, charge_type):
    """Cents for one period, as the emulator prices it (tests/emulator/ucloud.py)."""
    journal, hour, day = CHAINS[mode]
    units = size * (2 * journal // 12 + hour // 24 + day // 5)
    listed = -(-units // 720) if charge_type == "Dynamic" else units * (10 if charge_type == "Year" else 1)
    return listed - listed // 10


def usnap_results(count, now=NOW, seed=15):
    """usnap_service results of a fleet (with report_cost), and the disks a run would skip."""
    rng = random.Random(seed)
    epoch = now.timestamp()
    results, skipped = [], []
    for n in range(1, count + 1):
        disk_id, zone = "bsm-%05d" % n, "cn-bj2-0%d" % (2 + n % 3)
        draw = rng.random()
        if draw < 0.01:
            results.append(dict(disk_id=disk_id, zone=zone, failed=True, changed=False, msg=_failure(rng)))
            continue
        if draw < 0.03:
            skipped.append(dict(disk_id=disk_id, zone=zone, reason="protected by UDataArk"))
            continue
        mode = rng.choices(("Base", "Ultimate", "Custom"), (70, 22, 8))[0]
        charge_type = "Year" if mode == "Custom" else rng.choices(("Month", "Year", "Dynamic"), (85, 10, 5))[0]
        size = rng.choice(SIZES)
        created = epoch - rng.uniform(600, 400 * 86400)
        status = "Expired" if draw < 0.045 else "Available"
        journal, hour, day = CHAINS[mode]
        price = _price(size, mode, charge_type)
        results.append(
            dict(
                disk_id=disk_id,
                zone=zone,
                service_id="usnap-%05d" % n,
                status=status,
                backup_mode=mode,
                journal=journal,
                hour=hour,
                day=day,
                charge_type=charge_type,
                disk_size=size,
                create_time=int(created),
                expire_time=int(epoch - rng.uniform(3600, 20 * 86400) if status == "Expired" else epoch + 86400 * 30),
                changed=draw > 0.97,
                cost=dict(price=price, original_price=price, charge_type=charge_type, price_units=price / 100.0),
            )
        )
    return results, skipped


def _failure(rng):
    return rng.choice(
        (
            "UDisk does not exist (RetCode 17041) in zone cn-bj2-02",
            "insufficient balance (RetCode 17063): top up the account, then run again",
            "DescribeUSnapBackupRange timed out after 3 attempts (RetCode 110, gateway timeout)",
        )
    )


def cbs_results(count, now=NOW, seed=15):
    """cbs_snapshot results of a daily fleet (with keep), and the disks a run would skip."""
    rng = random.Random(seed)
    epoch = now.timestamp()
    name = "cbs-fleet-" + now.strftime("%Y-%m-%d")
    results, skipped = [], []
    for n in range(1, count + 1):
        disk_id, zone = "disk-%08x" % (0x5A000000 + n * 7919), "ap-guangzhou-%d" % (3 + n % 4)
        draw = rng.random()
        if draw < 0.02:
            skipped.append(dict(disk_id=disk_id, zone=zone, reason="this disk cannot have snapshots (local disk)"))
            continue
        if draw < 0.03:
            results.append(
                dict(
                    disk_id=disk_id,
                    zone=zone,
                    failed=True,
                    changed=False,
                    msg="InvalidDisk.Busy: the disk is busy, try again later (after 1800 s of waiting)",
                )
            )
            continue
        # most disks got today's snapshot; some runs did not wait, some disks kept only older ones
        age = rng.choices(
            (rng.uniform(0, 900), rng.uniform(3 * 3600, 22 * 3600), rng.uniform(26 * 3600, 9 * 86400)), (88, 8, 4)
        )[0]
        made = epoch - age
        snap_id = "snap-%08x" % (0x1000000 + n)
        point = dict(snapshot_id=snap_id, create_time=_iso(made))
        results.append(
            dict(
                disk_id=disk_id,
                zone=zone,
                snapshot_id=snap_id,
                snapshot_name=name,
                state="NORMAL",
                create_time=_iso(made),
                deadline=_iso(made + 30 * 86400),
                changed=age < 900,
                recovery_point=None if draw > 0.995 else point,
                note="",
            )
        )
    return results, skipped


def _iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def build(cloud, count, now=NOW):
    """The report data of a fleet of ``count`` disks, as the role builds it."""
    report = _import_report()
    if cloud == "ucloud":
        results, skipped = usnap_results(count, now)
        return report.fleet_report(
            results, "ucloud", skipped=skipped, now=now, max_rpo=1, title="UCloud USnap fleet report: cn-bj2"
        )
    results, skipped = cbs_results(count, now)
    total = round(count * 61.25, 2)  # incremental snapshots: a fraction of each disk, a few kept per disk
    storage = dict(
        region="ap-guangzhou", total_count=count * 3, total_size=total, free_quota=50.0, billed_size=total - 50.0
    )
    return report.fleet_report(
        results,
        "tencentcloud",
        skipped=skipped,
        now=now,
        max_rpo=25,
        storage=storage,
        storage_price=0.12,
        title="Tencent Cloud CBS fleet report: " + "cbs-fleet-" + now.strftime("%Y-%m-%d"),
    )


def build_time(cloud, count, repeat=5):
    """Best of ``repeat`` seconds to build the report data and render every format (what the role's tasks do)."""
    report = _import_report()
    best = None
    for _attempt in range(repeat):
        start = time.perf_counter()
        data = build(cloud, count)
        for render in report.FORMATS.values():
            render(data)
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disks", type=int, default=1000)
    parser.add_argument("--docs", action="store_true", help="write the screenshots into docs/images")
    args = parser.parse_args()
    for cloud in ("ucloud", "tencentcloud"):
        print(
            "%-14s report of %d disks built and rendered in %.3f s" % (cloud, args.disks, build_time(cloud, args.disks))
        )
    if args.docs:
        sys.path.insert(0, str(ROOT))
        from tests.integration import browser  # pylint: disable=import-outside-toplevel

        if not browser.CHROMIUM:
            raise SystemExit(browser.MISSING)
        report = _import_report()
        with tempfile.TemporaryDirectory() as tmp:
            for cloud, name in (("ucloud", "usnap"), ("tencentcloud", "cbs")):
                page = Path(tmp) / ("%s.html" % name)
                page.write_text(report.fleet_report_html(build(cloud, args.disks)))
                png = ROOT / "docs" / "images" / ("fleet-report-%s-%d.png" % (name, args.disks))
                print("%s: %dx%d" % (png.relative_to(ROOT), *browser.screenshot(page, png, 1280, 1500)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
