# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make soak``: each fleet role on a large fleet with every fault at once, run until converged.

Faults: throttling above 20 requests/second per action, a share of 5xx answers, latency spikes and
answers lost after the action was applied, on every action including the mutating ones. Prints runs,
calls, retries, duplicates and missing disks; exits 1 on any duplicate or disk left unprotected.
Then cbs_fleet in policy mode (duplicates: policies of the same name; missing: disks not bound) and with copies
to two regions (duplicates: a second copy of a snapshot in a region; missing: a disk without its copy there).
Then a restore drill per cloud (``--only drill`` runs only those; two answers to clone calls and two to delete calls
lost after they took effect, besides the random faults), run until one run passes: 0 clones left behind,
0 duplicate clones and 0 disks deleted that were not drill clones, from the emulator's state (watched while each
run goes) and its call log.
"""

import argparse
import sys
from collections import Counter

from fleet_bench import Bench, Path, drill, tempfile

FAULTS = dict(error_rate=0.10, lost_rate=0.02, latency=0.0, jitter=0.05)
MAX_RUNS = 4
FAULT_KINDS = ("throttled", "faulted", "lost")  # the emulator's outcomes of a call that met a fault


def usnap_outcome(state, disks):
    per_disk = Counter(service["disk_id"] for service in state["services"])
    return (sum(count - 1 for count in per_disk.values() if count > 1), sum(1 for disk in disks if per_disk[disk] == 0))


def cbs_outcome(state, disks):
    per_disk = Counter(
        snapshot["disk_id"] for snapshot in state["snapshots"] if snapshot.get("name") == "bench-snapshot"
    )
    return (sum(count - 1 for count in per_disk.values() if count > 1), sum(1 for disk in disks if per_disk[disk] == 0))


def policy_outcome(state, disks):
    named = [policy for policy in state["policies"] if policy["name"] == "bench-policy"]
    bound = {disk for policy in named for disk in policy["disk_ids"]}
    return (max(0, len(named) - 1), sum(1 for disk in disks if disk not in bound))


COPY_REGIONS = ("ap-shanghai", "ap-beijing")


def copy_outcome(state, disks):
    per_copy = Counter(
        (snap["region"], snap["disk_id"])
        for snap in state["snapshots"]
        if snap["copy_from_remote"] and snap["name"].startswith("bench-snapshot copy of ")
    )
    duplicates = sum(count - 1 for count in per_copy.values() if count > 1)
    return (duplicates, sum(1 for disk in disks for region in COPY_REGIONS if per_copy[region, disk] == 0))


def soak(bench, role, disks, outcome):
    runs = calls = retries_hint = 0
    for runs in range(1, MAX_RUNS + 1):
        try:
            figures = bench.run("%s run %d" % (role, runs), role + ".yml", len(disks))
            calls += figures["calls"]
            break
        except SystemExit as failure:
            print("  %s (expected under faults: the next run completes the rest)" % failure, flush=True)
            actions = bench.control("calls")["actions"]
            calls += sum(counters["total"] for counters in actions.values())
    actions = bench.control("calls")["actions"]
    retries_hint = sum(
        counters.get("throttled", 0) + counters.get("faulted", 0) + counters.get("lost", 0)
        for counters in actions.values()
    )
    duplicates, missing = outcome(bench.control("state"), disks)
    print(
        "%-12s runs %d, calls %d, faults answered in the last run %d, duplicates %d, missing %d"
        % (role, runs, calls, retries_hint, duplicates, missing),
        flush=True,
    )
    return duplicates == 0 and missing == 0


def drill_soak(bench, cloud, count):
    """A drill of ``count`` disks under every fault, run until a run passes; every run checked, not only the last:
    no clone left after it (even a failed run deletes what it made), none made twice, no other disk deleted."""
    seeded = drill.seed_others(bench, cloud, drill.seed(bench, cloud, count))
    spec = drill.CLOUDS[cloud]
    # besides the random faults, answers lost after the clone or the deletion took effect, for certain
    lost = [
        dict(action=spec[kind], cloud=spec["emulator"], lose="after_apply", count=2) for kind in ("clone", "delete")
    ]
    bench.control("faults", dict(rules=lost))
    runs = calls = duplicates = 0
    wrong, left, faults = [], [], Counter()
    for runs in range(1, MAX_RUNS + 1):
        before = {d["id"]: d for d in bench.control("state")["disks"] if d["cloud"] == spec["emulator"]}
        report = bench.workdir / ("drill-%s-%d" % (cloud, runs))
        passed = True
        with drill.Watcher(bench, cloud) as watcher:
            try:
                bench.run(
                    "restore_drill %s run %d" % (cloud, runs),
                    "restore_drill.yml",
                    count,
                    drill.extra_vars(cloud, count, report),
                )
            except SystemExit as failure:
                print("  %s (under faults the next drill sweeps what this one left)" % failure, flush=True)
                passed = False
        actions = bench.control("calls")["actions"].values()
        calls += sum(counters["total"] for counters in actions)
        faults.update({kind: sum(counters.get(kind, 0) for counters in actions) for kind in FAULT_KINDS})
        now_left, twice, deleted = drill.outcome(bench, cloud, before, watcher, seeded)
        left += now_left  # after every run, failed or not: the drill deletes what it made whatever failed
        duplicates += twice
        wrong += deleted
        if passed:
            break
    print(
        "%-22s runs %d, calls %d (%s), clones left %d, duplicate clones %d, disks deleted that were not drill "
        "clones %d"
        % (
            "restore_drill " + cloud,
            runs,
            calls,
            ", ".join("%s %d" % (kind, faults[kind]) for kind in FAULT_KINDS),
            len(left),
            duplicates,
            len(wrong),
        ),
        flush=True,
    )
    return not left and not duplicates and not wrong


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disks", type=int, default=1000)
    parser.add_argument(
        "--only", choices=["all", "cbs", "drill"], default="all", help="cbs: only the cbs_fleet runs; drill: the drills"
    )
    parser.add_argument("--drill-disks", type=int, default=100, help="disks per cloud of the restore drills")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="snapshield-soak-") as tmp:
        bench = Bench(Path(tmp), args.disks)
        try:
            if args.only == "drill":
                bench.control("faults", FAULTS)
                print("Faults on every action: %s, throttling above 20/s\n" % FAULTS, flush=True)
                passed = [drill_soak(bench, cloud, args.drill_disks) for cloud in drill.CLOUDS]  # both, always
                return 0 if all(passed) else 1
            udisks = bench.seed("ucloud", args.disks, zone="cn-bj2-02", tag="bench")
            cbs_disks = bench.seed(
                "tencent",
                args.disks,
                zone="ap-guangzhou-3",
                tags={"fleet": "bench"},
                snapshot_ability=True,
                encrypted=False,
            )
            bench.control("faults", FAULTS)
            print("Faults on every action: %s, throttling above 20/s\n" % FAULTS, flush=True)
            bench.control("config", dict(copy_delay=2.0))
            ok = [soak(bench, "usnap_fleet", udisks, usnap_outcome)] if args.only == "all" else []
            ok += [
                soak(bench, "cbs_fleet", cbs_disks, cbs_outcome),
                soak(bench, "cbs_fleet_policy", cbs_disks, policy_outcome),
                soak(bench, "cbs_fleet_copy", cbs_disks, copy_outcome),
            ]
            if args.only == "all":
                ok += [drill_soak(bench, cloud, args.drill_disks) for cloud in drill.CLOUDS]
        finally:
            bench.close()
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
