# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: the fleet roles against the emulator, which limits every action to 20 requests/second.

For each role: the first run and the converged re-run on a fleet of N disks (wall time, API calls per
run and per disk, the API bound = sum over actions of calls / rate limit), then a plain ``loop:`` over the
single-disk module on a smaller, already converged fleet, and the per-disk speed-up of the role over it.
Then cbs_fleet in policy mode (the fleet bound to an automatic snapshot policy, then the converged re-run) and
with copies of its snapshots to two other regions. The role runs write their reports: the time of the report's
tasks (from ansible-core's junit callback) and the calls that price the fleet are printed too. Then a restore
drill of 100 disks per cloud (``--only drill`` runs only those): wall time against the API bound plus one clone's
time. Exits 1 when a target of issue 5, 12, 13 or 15 is missed.
"""

import argparse
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

from tests.benchmarks import drill  # noqa: E402  pylint: disable=wrong-import-position
from tests.emulator import DEFAULT_CREDENTIALS  # noqa: E402  pylint: disable=wrong-import-position

RATE_LIMIT = 20.0
READ_PREFIX = "Describe"
COPY_DELAY = 2.0  # seconds the emulator takes to copy a snapshot to another region
BIND_BATCH = 80
# The fleet roles' report tasks (the data, then its files), and the calls that price a fleet.
BUILD_TASK, WRITE_TASK = "Build the report", "Write the report"
PRICING = ("DescribeSnapshotServicePrice", "DescribeSnapshotOverview")


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
            sys.stdout.write(done.stdout[-4000:])
            raise SystemExit("%s failed (rc %s)" % (label, done.returncode))
        actions = self.control("calls")["actions"]
        calls = {name: counters["total"] for name, counters in actions.items()}
        bound = sum(count / self.limit(name) for name, count in calls.items())
        reads = sum(count for name, count in calls.items() if name.startswith(READ_PREFIX))
        figures = dict(
            label=label,
            disks=disks,
            wall=wall,
            calls=sum(calls.values()),
            reads=reads,
            bound=bound,
            per_disk=wall / disks,
            calls_by_action=calls,
            report_time=task_time(junit, [BUILD_TASK]),
            write_time=task_time(junit, [WRITE_TASK]),
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
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument(
        "--only",
        choices=["all", "cbs", "drill"],
        default="all",
        help="cbs: only the cbs_fleet runs (snapshots, policy mode, copies), without the loops and usnap_fleet; "
        "drill: only the restore drills",
    )
    parser.add_argument("--drill-disks", type=int, default=100, help="disks per cloud of the restore drills")
    args = parser.parse_args()
    targets, figures = [], []
    with tempfile.TemporaryDirectory(prefix="snapshield-bench-") as tmp:
        bench = Bench(Path(tmp), args.disks)
        try:
            print(
                "Emulator %s, every action limited to %.0f requests/second (DescribeDisks %.0f)\n"
                % (bench.url, RATE_LIMIT, bench.limit("DescribeDisks")),
                flush=True,
            )
            if args.only == "drill":
                figures += drills(bench, args.drill_disks, targets)
                return print_targets(targets, figures, args.json)
            udisks = bench.seed("ucloud", args.disks, zone="cn-bj2-02", tag="bench")
            cbs_disks = bench.seed(
                "tencent",
                args.disks,
                zone="ap-guangzhou-3",
                tags={"fleet": "bench"},
                snapshot_ability=True,
                encrypted=False,
            )
            bench.control("config", dict(copy_delay=COPY_DELAY))
            if args.only == "cbs":
                figures.append(bench.run("cbs_fleet first run", "cbs_fleet.yml", len(cbs_disks)))
            for role, loop, disks, speedup in (
                (("usnap_fleet", "usnap_loop", udisks, 8), ("cbs_fleet", "cbs_loop", cbs_disks, 20))
                if args.only == "all"
                else ()
            ):
                report = {role + "_report": str(Path(tmp) / role)}  # every format written, as a job would
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
            figures += policy_and_copies(bench, cbs_disks, targets)
            if args.only == "all":
                figures += drills(bench, args.drill_disks, targets)
        finally:
            bench.close()
    return print_targets(targets, figures, args.json)


def print_targets(targets, figures, json_path):
    """Print every target met or missed; 0 when all are met."""
    print()
    for name, ok, detail in targets:
        print("%-4s %-66s %s" % ("ok" if ok else "MISS", name, detail))
    if json_path:
        Path(json_path).write_text(json.dumps(dict(figures=figures, targets=targets), indent=2))
    return 0 if all(ok for name, ok, detail in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
