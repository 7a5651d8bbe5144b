"""``python -m bench``: run every benchmark once and print the table (Markdown)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import TINY, Bench, Sizes
from bench.report import machine, table
from bench.rows import rows
from bench.run import SCENARIOS, run
from bench.stores import NAMES, clusters


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="a seconds-long run (smoke test)")
    parser.add_argument("--incidents", type=int, help="open incidents (default 10,000)")
    parser.add_argument("--reminders", type=int, help="fan-out reminders (default 1,000)")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile per bot here")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--baselines-on",
        choices=("httpx", "aiohttp"),
        default="httpx",
        help="the echo and reference bots' HTTP client: PTB's default (httpx) or the bot's",
    )
    parser.add_argument(
        "--stores",
        default=",".join(NAMES),
        help="comma-separated: the stores the clock scenario runs on (sqlite,postgresql);"
        " the others run on the first",
    )
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help="comma-separated: chats,clock,flood,failover (all)",
    )
    args = parser.parse_args(argv)
    if unknown := set(args.stores.split(",")) - set(NAMES):
        parser.error(f"--stores: unknown {', '.join(sorted(unknown))} (sqlite, postgresql)")
    return args


def sizes(args: argparse.Namespace) -> Sizes:
    """The sizes the arguments ask for."""
    chosen = TINY if args.tiny else Sizes()
    if args.incidents:
        chosen = replace(chosen, incidents=args.incidents)
    if args.reminders:
        chosen = replace(chosen, reminders=args.reminders)
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the machine and the table; 0 when every target is met."""
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        bench = Bench(sizes(args), folder, args.profile, args.baselines_on)
        print(f"machine: {machine()}", flush=True)
        print(f"baselines' HTTP client: {args.baselines_on}; the bot's: aiohttp", flush=True)
        started = time.monotonic()
        stores = args.stores.split(",")
        with clusters(stores) as cluster:
            results = asyncio.run(run(bench, args.only.split(","), stores, cluster))
        found = rows(results, bench.sizes)
        print(table(found))
        seeding = ", ".join(f"{NAMES[c.store]} {c.seed_seconds:.1f} s" for c in results.clocks)
        print(f"took {time.monotonic() - started:.0f} s (seeding {seeding or 'none'})")
    return 0 if all(row.met is not False for row in found) else 1


if __name__ == "__main__":
    sys.exit(main())
