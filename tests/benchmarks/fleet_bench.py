# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: the fleet roles against the emulator, which limits every action to 20 requests/second.

For each role: the first run and the converged re-run on a fleet of N disks (wall time, API calls per
run and per disk, the API bound = sum over actions of calls / rate limit), then a plain ``loop:`` over the
single-disk module on a smaller, already converged fleet, and the per-disk speed-up of the role over it.
Then cbs_fleet in policy mode (the fleet bound to an automatic snapshot policy, then the converged re-run) and
with copies of its snapshots to two other regions. The role runs write their reports: the time of the report's
tasks (from ansible-core's junit callback) and the calls that price the fleet are printed too. Then a restore
drill of 100 disks per cloud: wall time against a drill of one disk plus the API bound of the calls it adds.

Fleets (issue 14): cbs_fleet on one region's disks, then on four regions' (each region within its own limits,
so about the time of one); and cbs_fleet over disk hosts as one job, then as 2 and 4 AWX job slices run at once
(slice k of N = the sorted hosts [k-1::N], each with a rate share of 1/N) against the one emulator, whose limits
all jobs share. ``--only`` picks scenarios. Exits 1 when a target of issue 5, 12, 13, 14 or 15 is missed.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
sys.path.insert(0, str(ROOT))

import ansible_runner  # noqa: E402  pylint: disable=wrong-import-position

from tests.benchmarks import drill  # noqa: E402  pylint: disable=wrong-import-position
from tests.emulator import DEFAULT_CREDENTIALS, inventory  # noqa: E402  pylint: disable=wrong-import-position

RATE_LIMIT = 20.0
READ_PREFIX = "Describe"
COPY_DELAY = 2.0  # seconds the emulator takes to copy a snapshot to another region
BIND_BATCH = 80
# The fleet roles' report tasks (the data, then its files), and the calls that price a fleet.
BUILD_TASK, WRITE_TASK = "Build the report", "Write the report"
PRICING = ("DescribeSnapshotServicePrice", "DescribeSnapshotOverview")
# The fleets of issue 14: four regions of their own, and one region for the job slices.
FLEET_REGIONS = ("ap-shanghai", "ap-beijing", "ap-chengdu", "ap-nanjing")
SLICE_REGION = "ap-hongkong"
SLICES = (1, 2, 4)
MAX_THROTTLED = 0.05
SCENARIOS = ("all", "cbs", "converged", "regions", "slices", "drill")


class Bench:
    def __init__(self, workdir, disks):
        self.workdir = workdir
        self.disks = disks
        port_file = workdir / "emulator.url"
        self.emulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.emulator",
                "--rate-limit",
                str(RATE_LIMIT),
                "--snapshot-delay",
                "1",
                "--port-file",
                str(port_file),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.emulator.poll() is not None:
                raise SystemExit("the emulator did not start")
            time.sleep(0.1)
        self.url = port_file.read_text().strip()
        # The limits the emulator enforces (with its own per-action overrides, e.g. DescribeDisks at 100/s).
        faults = self.control("faults")
        self.rate_limit, self.action_limits = faults["rate_limit"], faults["rate_limits"]
        collection = workdir / "ansible_collections" / "snapshield" / "cloud"
        collection.parent.mkdir(parents=True)
        collection.symlink_to(ROOT)
        creds = DEFAULT_CREDENTIALS
        self.env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=str(workdir),
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            UCLOUD_PUBLIC_KEY=creds["ucloud_public_key"],
            UCLOUD_PRIVATE_KEY=creds["ucloud_private_key"],
            UCLOUD_REGION="cn-bj2",
            UCLOUD_BASE_URL=self.url,
            TENCENTCLOUD_SECRET_ID=creds["tencent_secret_id"],
            TENCENTCLOUD_SECRET_KEY=creds["tencent_secret_key"],
            TENCENTCLOUD_REGION="ap-guangzhou",
            TENCENTCLOUD_ENDPOINT=self.url,
        )

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/_emulator/" + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def limit(self, action):
        return self.action_limits.get(action, self.rate_limit)

    def seed(self, cloud, count, **spec):
        return self.control("seed", dict(spec, cloud=cloud, count=count))["disks"]

    def run(self, label, playbook, disks, extra_vars=None, time_tasks=False):
        self.control("clear_calls", {})
        command = [str(Path(sys.executable).parent / "ansible-playbook"), str(PLAYBOOKS / playbook)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        # ansible-core's junit callback records each task's duration (the report's tasks are read from it); it
        # also writes every task's result, a second or so for 1000 disks, so only runs that time tasks use it.
        junit = Path(tempfile.mkdtemp(dir=self.workdir, prefix="junit-"))
        env = dict(self.env)
        if time_tasks:
            env.update(
                ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit",
                JUNIT_OUTPUT_DIR=str(junit),
                JUNIT_HIDE_TASK_ARGUMENTS="true",
            )
        start = time.monotonic()
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.monotonic() - start
        if done.returncode:
            sys.stdout.write(done.stdout[-4000:] + done.stderr[-2000:])
            raise SystemExit("%s failed (rc %s)" % (label, done.returncode))
        return self.figures(label, disks, wall, junit)

    def run_jobs(self, label, playbook, inventories, disks, extra_vars):
        """Jobs at once, one per inventory, each an ansible-runner job as AWX starts a job slice."""
        self.control("clear_calls", {})
        jobs = []
        start = time.monotonic()
        for number, path in enumerate(inventories):
            data_dir = Path(tempfile.mkdtemp(dir=self.workdir, prefix="job-%d-" % number))
            jobs.append(
                ansible_runner.run_async(
                    private_data_dir=str(data_dir),
                    playbook=str(PLAYBOOKS / playbook),
                    inventory=path,
                    extravars=extra_vars,
                    envvars={k: v for k, v in self.env.items() if k.startswith(("ANSIBLE_", "UCLOUD_", "TENCENT"))},
                    quiet=True,
                )
            )
        for thread, _runner in jobs:
            thread.join()
        wall = time.monotonic() - start
        for number, (_thread, runner) in enumerate(jobs):
            if runner.rc:
                sys.stdout.write(runner.stdout.read()[-4000:])
                raise SystemExit("%s: job %d failed (rc %s)" % (label, number + 1, runner.rc))
        return self.figures(label, disks, wall)

    def figures(self, label, disks, wall, junit=None):
        """The run's figures from the emulator's call log, printed on one line."""
        answer = self.control("calls")
        calls = {name: counters["total"] for name, counters in answer["actions"].items()}
        bound = sum(count / self.limit(name) for name, count in calls.items())
        per_region = collections.Counter()
        for entry in answer["log"]:
            per_region[entry.get("region")] += 1.0 / self.limit(entry["action"])
        reads = sum(count for name, count in calls.items() if name.startswith(READ_PREFIX))
        figures = dict(
            label=label,
            disks=disks,
            wall=wall,
            calls=sum(calls.values()),
            reads=reads,
            bound=bound,
            # the regions are worked side by side, each within its own limits: the busiest region's bound
            region_bound=max(per_region.values()) if per_region else 0.0,
            throttled=sum(counters["throttled"] for counters in answer["actions"].values()),
            created=collections.Counter(
                e["params"].get("DiskId") for e in answer["log"] if e["action"] == "CreateSnapshot" and e["applied"]
            ),
            per_disk=wall / disks,
            calls_by_action=calls,
            report_time=task_time(junit, [BUILD_TASK]) if junit else 0.0,
            write_time=task_time(junit, [WRITE_TASK]) if junit else 0.0,
            pricing_calls=sum(calls.get(action, 0) for action in PRICING),
        )
        print(
            "%-28s %6d disks %8.1f s %7d calls %6.2f calls/disk %7.1f s bound  x%.2f of bound  %.4f s/disk"
            % (
                label,
                disks,
                wall,
                figures["calls"],
                figures["calls"] / disks,
                bound,
                wall / bound if bound else 0,
                figures["per_disk"],
            ),
            flush=True,
        )
        if figures["report_time"]:
            print(
                "%-28s report built in %.2f s, written in %.2f s; pricing: %d calls"
                % ("", figures["report_time"], figures["write_time"], figures["pricing_calls"]),
                flush=True,
            )
        return figures

    def close(self):
        self.emulator.terminate()
        self.emulator.wait(timeout=10)


def task_time(junit, names):
    """Seconds the tasks of those names took, from the junit callback's report (0 when none ran)."""
    total = 0.0
    for report in junit.glob("*.xml"):
        for case in ElementTree.parse(report).iter("testcase"):
            if any(case.get("name", "").endswith(" : " + name) for name in names):
                total += float(case.get("time") or 0)
    return total


def check(targets, name, ok, detail):
    targets.append((name, ok, detail))


def within_bound(targets, run, extra=0.0, what=""):
    check(
        targets,
        run["label"] + " within 1.25 x API bound + %s5 s" % what,
        run["wall"] <= 1.25 * run["bound"] + extra + 5,
        "%.1f s <= %.1f s" % (run["wall"], 1.25 * run["bound"] + extra + 5),
    )


def policy_and_copies(bench, disks, targets):
    """cbs_fleet in policy mode (bind, then the converged re-run) and copying the fleet's snapshots to two regions."""
    bind = bench.run("cbs_fleet policy: bind", "cbs_fleet_policy.yml", len(disks))
    again = bench.run("cbs_fleet policy: converged", "cbs_fleet_policy.yml", len(disks))
    binds = bind["calls_by_action"].get("BindAutoSnapshotPolicy", 0)
    check(
        targets,
        "cbs_fleet policy: at most %d Bind calls for %d disks" % (-(-len(disks) // BIND_BATCH), len(disks)),
        binds <= -(-len(disks) // BIND_BATCH),
        "%d Bind calls" % binds,
    )
    reads = -(-len(disks) // 100) + 1
    check(
        targets,
        "cbs_fleet policy: converged re-run only reads, %d calls" % reads,
        again["calls"] == again["reads"] <= reads,
        "%d calls, %d reads" % (again["calls"], again["reads"]),
    )
    within_bound(targets, bind)
    within_bound(targets, again)
    copy = bench.run("cbs_fleet copies to 2 regions", "cbs_fleet_copy.yml", len(disks))
    copies = copy["calls_by_action"].get("CopySnapshotCrossRegions", 0)
    check(targets, "cbs_fleet copies: one copy call per snapshot", copies == len(disks), "%d calls" % copies)
    within_bound(targets, copy, COPY_DELAY, "copy time + ")
    return [bind, again, copy]


def roles_and_loops(bench, args, roles, targets):
    """Each role's first run and converged re-run on the fleet, the plain loop, and the speed-up over it.

    ``roles``: ``(role, loop playbook, disks, speed-up target)``."""
    figures = []
    for role, loop, disks, speedup in roles:
        report = {role + "_report": str(bench.workdir / role)}  # every format written, as a job would
        # the first run has the most to report (every disk changed) and times the report's tasks
        first = bench.run(role + " first run", role + ".yml", len(disks), report, time_tasks=True)
        again = bench.run(role + " converged re-run", role + ".yml", len(disks), report)
        plain = bench.run(
            loop + " (plain loop)", loop + ".yml", args.loop_disks, dict(bench_disks=disks[: args.loop_disks])
        )
        figures += [first, again, plain]
        for run in (first, again):
            check(
                targets,
                run["label"] + " within 1.25 x API bound + 5 s",
                run["wall"] <= 1.25 * run["bound"] + 5,
                "%.1f s <= %.1f s" % (run["wall"], 1.25 * run["bound"] + 5),
            )
            check(
                targets,
                run["label"] + ": pricing adds a handful of calls",
                0 < run["pricing_calls"] <= 10,
                "%d calls (%s) for %d disks" % (run["pricing_calls"], " / ".join(PRICING), run["disks"]),
            )
        check(
            targets,
            first["label"] + ": report data built in < 1 s",
            0 < first["report_time"] < 1.0,
            "%.2f s (%s; %s: %.2f s)" % (first["report_time"], BUILD_TASK, WRITE_TASK, first["write_time"]),
        )
        ratio = plain["per_disk"] / again["per_disk"]
        # The API bound is the fastest the role can go: the best ratio this machine's loop allows.
        ceiling = plain["per_disk"] / (again["bound"] / len(disks))
        check(
            targets,
            "%s converged re-run >= %dx faster per disk than the loop" % (role, speedup),
            ratio >= speedup,
            "%.1fx (%.1fx if the run took only its API bound)" % (ratio, ceiling),
        )
        if role == "cbs_fleet":
            check(
                targets,
                "cbs_fleet converged re-run reads <= 1 call per 10 disks",
                again["reads"] <= len(disks) / 10.0,
                "%d reads for %d disks" % (again["reads"], len(disks)),
            )
    return figures


def regions(bench, per_region, targets):
    """cbs_fleet on one region's disks, then on four regions' disks in one run: about the time of one region."""
    for region in FLEET_REGIONS:
        bench.seed(
            "tencent", per_region, zone=region + "-1", tags={"fleet": "regions"}, snapshot_ability=True, encrypted=False
        )
    fleet = dict(cbs_fleet_tags={"fleet": "regions"})
    one = bench.run(
        "cbs_fleet 1 region",
        "cbs_fleet_regions.yml",
        per_region,
        dict(fleet, cbs_fleet_regions=list(FLEET_REGIONS[:1]), cbs_fleet_snapshot_name="one-region"),
    )
    four = bench.run(
        "cbs_fleet %d regions" % len(FLEET_REGIONS),
        "cbs_fleet_regions.yml",
        per_region * len(FLEET_REGIONS),
        dict(fleet, cbs_fleet_regions=list(FLEET_REGIONS), cbs_fleet_snapshot_name="four-regions"),
    )
    check(
        targets,
        "%d regions x %d disks within 1.25 x the time of 1 region + 5 s" % (len(FLEET_REGIONS), per_region),
        four["wall"] <= 1.25 * one["wall"] + 5,
        "%.1f s <= %.1f s (1 region: %.1f s)" % (four["wall"], 1.25 * one["wall"] + 5, one["wall"]),
    )
    for run in (one, four):
        check(
            targets,
            run["label"] + " within 1.25 x its busiest region's API bound + 5 s",
            run["wall"] <= 1.25 * run["region_bound"] + 5,
            "%.1f s <= %.1f s" % (run["wall"], 1.25 * run["region_bound"] + 5),
        )
    return [one, four]


def slices(bench, disks, targets):
    """cbs_fleet over disk hosts as one job, then as 2 and 4 job slices at once sharing the account's limits."""
    ids = bench.seed(
        "tencent", disks, zone=SLICE_REGION + "-1", tags={"fleet": "slices"}, snapshot_ability=True, encrypted=False
    )
    hosts = inventory.disk_hosts(bench.control("state"), "tencent", ids)
    runs = []
    for count in SLICES:
        paths = [
            inventory.write(
                bench.workdir / ("slices-%d-%d.yml" % (count, k)), inventory.sliced(hosts, k, count), "tencent"
            )
            for k in range(1, count + 1)
        ]
        label = "cbs_fleet 1 job" if count == 1 else "cbs_fleet %d slices at once" % count
        run = bench.run_jobs(
            label,
            "cbs_fleet_hosts.yml",
            paths,
            len(hosts),
            dict(cbs_fleet_snapshot_name="sliced-%d" % count, cbs_fleet_rate_share=1.0 / count),
        )
        runs.append(run)
        check(
            targets,
            label + ": every disk protected exactly once",
            run["created"] == collections.Counter(list(hosts)),
            "%d disks, %d snapshots made" % (len(hosts), sum(run["created"].values())),
        )
        check(
            targets,
            label + ": throttled calls under %d%%" % (100 * MAX_THROTTLED),
            run["throttled"] < MAX_THROTTLED * run["calls"],
            "%d of %d calls (%.1f%%)" % (run["throttled"], run["calls"], 100.0 * run["throttled"] / run["calls"]),
        )
        within_bound(targets, run, what="")
    return runs


def drills(bench, count, targets):
    """restore_drill on ``count`` disks per cloud, every disk cloned at once: it should take what a drill of one disk
    takes (Ansible, the module starts, one clone's time, the polls) plus the API bound of the calls it adds."""
    bench.control("config", dict(clone_delay=drill.CLONE_TIME, disk_create_delay=drill.CLONE_TIME))
    figures = []
    for cloud, spec in drill.CLOUDS.items():
        disks = drill.seed(bench, cloud, count)
        one = bench.run("restore_drill %s, 1 disk" % cloud, "restore_drill.yml", 1,
                        drill.extra_vars(cloud, 1, bench.workdir / ("drill-1-" + cloud), disks=disks[:1]))  # fmt: skip
        seeded = drill.seed_others(bench, cloud, disks)
        before = {d["id"]: d for d in bench.control("state")["disks"] if d["cloud"] == spec["emulator"]}
        with drill.Watcher(bench, cloud, interval=1.0) as watcher:
            run = bench.run("restore_drill %s" % cloud, "restore_drill.yml", count,
                            drill.extra_vars(cloud, count, bench.workdir / ("drill-" + cloud)))  # fmt: skip
        clones = drill.applied(bench, spec["clone"])
        left, duplicates, wrong = drill.outcome(bench, cloud, before, watcher, seeded)
        print(
            "%-28s one clone takes %.1f s (%d one after another: >= %.0f s); a drill of 1 disk took %.1f s"
            % ("", drill.CLONE_TIME, count, count * drill.CLONE_TIME, one["wall"]),
            flush=True,
        )
        check(
            targets,
            run["label"] + " within 1-disk drill + 1.25 x API bound + 5 s",
            run["wall"] <= one["wall"] + 1.25 * run["bound"] + 5,
            "%.1f s <= %.1f s" % (run["wall"], one["wall"] + 1.25 * run["bound"] + 5),
        )
        check(
            targets, run["label"] + ": one clone per disk", clones == count, "%d %s applied" % (clones, spec["clone"])
        )
        check(
            targets,
            run["label"] + ": no clone left, none twice, no other disk deleted",
            not left and not duplicates and not wrong,
            "left %s, duplicates %d, wrongly deleted %s" % (left, duplicates, wrong),
        )
        figures += [one, dict(run, clone_time=drill.CLONE_TIME, one_disk_wall=one["wall"])]
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disks", type=int, default=1000, help="fleet size for the roles")
    parser.add_argument("--loop-disks", type=int, default=100, help="fleet size for the plain loop")
    parser.add_argument("--region-disks", type=int, default=250, help="disks per region of the regions scenario")
    parser.add_argument("--slice-disks", type=int, default=500, help="disk hosts of the slices scenario")
    parser.add_argument("--drill-disks", type=int, default=100, help="disks per cloud of the restore drills")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument(
        "--only",
        default="all",
        type=lambda text: [name.strip() for name in text.split(",")],
        help="comma-separated scenarios of %s (default all). cbs: the cbs_fleet runs (snapshots, policy mode, "
        "copies), without the loops and usnap_fleet; converged: cbs_fleet's first run, converged re-run and the "
        "plain loop; regions: 1 region vs %d regions; slices: 1 job vs 2 and 4 job slices at once; drill: the restore "
        "drills of both clouds" % (", ".join(SCENARIOS), len(FLEET_REGIONS)),
    )
    args = parser.parse_args()
    unknown = sorted(set(args.only) - set(SCENARIOS))
    if unknown:
        parser.error("--only: unknown scenario %s (choose from %s)" % (", ".join(unknown), ", ".join(SCENARIOS)))
    targets, figures = [], []
    with tempfile.TemporaryDirectory(prefix="snapshield-bench-") as tmp:
        bench = Bench(Path(tmp), args.disks)
        try:
            print(
                "Emulator %s, every action limited to %.0f requests/second (DescribeDisks %.0f)\n"
                % (bench.url, RATE_LIMIT, bench.limit("DescribeDisks")),
                flush=True,
            )
            figures += run_scenarios(bench, args, targets)
        finally:
            bench.close()
    print()
    for name, ok, detail in targets:
        print("%-4s %-66s %s" % ("ok" if ok else "MISS", name, detail))
    if args.json:
        Path(args.json).write_text(json.dumps(dict(figures=figures, targets=targets), indent=2))
    return 0 if all(ok for name, ok, detail in targets) else 1


def run_scenarios(bench, args, targets):
    wanted = set(args.only)
    figures = []
    if wanted & {"all", "cbs", "converged"}:
        cbs_disks = bench.seed(
            "tencent",
            args.disks,
            zone="ap-guangzhou-3",
            tags={"fleet": "bench"},
            snapshot_ability=True,
            encrypted=False,
        )
        bench.control("config", dict(copy_delay=COPY_DELAY))
        roles = [("cbs_fleet", "cbs_loop", cbs_disks, 20)] if wanted & {"all", "converged"} else []
        if "all" in wanted:
            udisks = bench.seed("ucloud", args.disks, zone="cn-bj2-02", tag="bench")
            roles.insert(0, ("usnap_fleet", "usnap_loop", udisks, 8))
        figures += roles_and_loops(bench, args, roles, targets)
        if "cbs" in wanted:
            figures.append(bench.run("cbs_fleet first run", "cbs_fleet.yml", len(cbs_disks)))
        if wanted & {"all", "cbs"}:
            figures += policy_and_copies(bench, cbs_disks, targets)
    if wanted & {"all", "regions"}:
        figures += regions(bench, args.region_disks, targets)
    if wanted & {"all", "slices"}:
        figures += slices(bench, args.slice_disks, targets)
    if wanted & {"all", "drill"}:
        figures += drills(bench, args.drill_disks, targets)
    return figures


if __name__ == "__main__":
    sys.exit(main())
