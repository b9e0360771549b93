"""``python -m tests.emulator [options]`` from the repository root (see README.md)."""

import argparse
import pathlib
import signal
import sys
import threading

from .core import DEFAULT_CREDENTIALS
from .server import Emulator


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--port-file", help="write the base URL to this file once listening")
    parser.add_argument("--disks", type=int, default=0, help="seed N UCloud and N Tencent disks")
    parser.add_argument("--snapshot-delay", type=float, default=2.0, help="seconds a CBS snapshot stays CREATING")
    parser.add_argument("--clone-delay", type=float, default=2.0, help="seconds a UDisk clone stays Cloning")
    parser.add_argument("--restore-delay", type=float, default=2.0, help="seconds a UDisk stays Restoring")
    parser.add_argument("--rate-limit", type=float, default=20.0, help="requests/second per action (0 = off)")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of calls answered with a 5xx")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    parser.add_argument("--jitter", type=float, default=0.0, help="plus uniform(0, JITTER) seconds")
    parser.add_argument("--lost-rate", type=float, default=0.0, help="share of calls applied, then dropped")
    parser.add_argument("--seed", type=int, default=0, help="seed of the emulator's random choices")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    for name, value in DEFAULT_CREDENTIALS.items():
        parser.add_argument("--" + name.replace("_", "-"), default=value, metavar="VALUE")
    args = parser.parse_args(argv)

    emulator = Emulator(
        args.disks,
        port=args.port,
        seed=args.seed,
        snapshot_delay=args.snapshot_delay,
        rate_limit=args.rate_limit,
        error_rate=args.error_rate,
        latency=args.latency,
        jitter=args.jitter,
        lost_rate=args.lost_rate,
        verbose=args.verbose,
        settings={"clone_delay": args.clone_delay, "restore_delay": args.restore_delay},
        credentials={name: getattr(args, name) for name in DEFAULT_CREDENTIALS},
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with emulator:
        if args.port_file:
            port_file = pathlib.Path(args.port_file)
            port_file.parent.mkdir(parents=True, exist_ok=True)
            port_file.write_text(emulator.url + "\n", encoding="utf-8")
        print(f"emulator listening on {emulator.url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
