"""The ``gp-widgets`` command: ``serve`` the local engine, open the ``demo`` notebooks, or show and bound the
``cache``."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from gp_widgets import demo
from gp_widgets.demo import DEFAULT_FOLDER


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gp-widgets",
                                     description="Serve the local engine or open the demo notebooks.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the generative.photos API locally")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--data-dir", type=Path, default=None, help="default: $XDG_CACHE_HOME/gp_widgets/engine")
    serve.add_argument("--api-key", action="append", default=None,
                       help="a team's key (repeat for several teams); default: one stored in the data dir")
    serve.add_argument("--latency", type=float, default=0.0, help="seconds each variant task takes at least")
    serve.add_argument("--workers", type=int, default=2, help="variant tasks run at the same time")
    serve.add_argument("--faults", default=None, help='e.g. "http_500=0.1,http_429=0.05,drop=0.02,task_fail=0.05"')
    serve.add_argument("--rate-limit", type=float, default=None, metavar="N",
                       help="requests per second per team (token bucket); beyond it: 429 with Retry-After")
    serve.add_argument("--fresh-variants", action="store_true",
                       help="every PUT creates a new variant with a new id, as the service's documentation reads "
                            "(default: idempotent, the same edit gives the same variant)")
    serve.add_argument("--move-strength", default=None, metavar="SPEC",
                       help='e.g. "smile=1.3,age=0.8": multiply each move\'s edit strength (default 1 for every '
                            "move), as a new version of the service's moves would; variants made under another "
                            "strength get other ids")
    serve.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    serve.add_argument("--detector", choices=("hog", "cnn"), default="hog",
                       help="dlib's face detector: hog (fast, default) or cnn (MMOD; slower, finds more poses)")
    serve.add_argument("--nice", type=int, default=0, metavar="N",
                       help="run N steps below normal CPU priority (Unix); the embedded engine uses "
                            "10, so that the kernel and the browser are served first")
    serve.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    cache = commands.add_parser("cache", help="show, bound or empty what the client keeps on disk",
                                description="Variants, measures and ledgers live in $XDG_CACHE_HOME/gp_widgets/"
                                            "variants, bounded by GP_CACHE_MAX (default 2GB).")
    cache.add_argument("action", choices=("info", "prune", "clear"),
                       help="info: where everything lives and its size; prune: remove unreachable services' "
                            "caches, then least recently used variants, down to the limit; clear: remove it all")
    cache.add_argument("--max", default=None, metavar="SIZE", help="prune to SIZE (e.g. 500MB) instead of the limit")
    cache.add_argument("--engine", action="store_true",
                       help="with clear: also the local engines' data dirs that no engine is using")
    demo = commands.add_parser(
        "demo", help="copy the demo notebooks into a folder and open JupyterLab there",
        epilog="Other options (e.g. --no-browser, --port=8890) are passed on to jupyter lab.")
    demo.add_argument("dir", nargs="?", type=Path, default=Path(DEFAULT_FOLDER),
                      help=f"working folder (default: ./{DEFAULT_FOLDER}); copies already there are kept")
    demo.add_argument("--list", action="store_true", help="print the notebooks it would open, and stop")
    return parser


def _serve(args: argparse.Namespace) -> int:
    from gp_widgets.background import lower_priority
    from gp_widgets.local.config import EngineConfig, default_data_dir
    from gp_widgets.local.datadir import DataDirInUse, claim, claim_default
    from gp_widgets.local.faults import FaultSpecError, parse_faults
    from gp_widgets.local.server import load_or_create_id, load_or_create_key, serve

    try:
        if args.data_dir is None:
            data_dir, lock = claim_default(default_data_dir(), args.parent_pid)
        else:
            data_dir, lock = args.data_dir, claim(args.data_dir, args.parent_pid)
    except (DataDirInUse, OSError) as exc:
        print(f"gp-widgets serve: {exc}", file=sys.stderr)
        return 2
    keys = args.api_key or ([os.environ["GP_ENGINE_API_KEY"]] if os.environ.get("GP_ENGINE_API_KEY") else None)
    try:
        parse_faults(args.faults)
        config = EngineConfig(data_dir=data_dir, api_keys=keys or [load_or_create_key(data_dir)],
                              latency=args.latency, workers=args.workers, faults=args.faults, seed=args.seed,
                              detector=args.detector, rate_limit=args.rate_limit, host=args.host, port=args.port,
                              fresh_variants=args.fresh_variants, move_strength=args.move_strength or {},
                              engine_id=load_or_create_id(data_dir))
    except (FaultSpecError, ValueError) as exc:
        print(f"gp-widgets serve: {exc}", file=sys.stderr)
        return 2
    lower_priority(args.nice)
    try:
        asyncio.run(serve(config, parent_pid=args.parent_pid))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # e.g. the port is taken
        print(f"gp-widgets serve: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        lock.close()
    return 0


def _cache(args: argparse.Namespace) -> int:
    from gp_widgets.runs import bounds

    try:
        limit = bounds.parse_size(args.max) if args.max is not None else bounds.cache_limit()
    except ValueError as exc:
        print(f"gp-widgets cache: {exc}", file=sys.stderr)
        return 2
    if args.action == "info":
        print(bounds.cache_info())
    elif args.action == "prune":
        print(bounds.prune(limit=limit, grace=bounds.GRACE))
    else:
        freed = bounds.clear()
        if args.engine:
            from gp_widgets.local.datadir import remove_unused

            freed += remove_unused(bounds.engine_dirs())
        print(f"cache cleared: {freed / 1e6:.1f} MB freed")
    return 0


def _demo(args: argparse.Namespace, lab_args: list[str]) -> int:
    try:
        work = demo.plan(args.dir, demo.shipped_notebooks())
    except OSError as exc:  # no notebooks shipped, or the folder cannot be read
        print(f"gp-widgets demo: {exc}", file=sys.stderr)
        return 1
    if args.list:
        print(f"notebooks in {work.folder}:")
        for path in work.notebooks:
            note = "  (your copy, kept)" if path in work.kept else ""
            print(f"  {path.name}{note}")
        return 0
    if importlib.util.find_spec("jupyterlab") is None:
        print("gp-widgets demo: JupyterLab is not installed; pip install 'gp_widgets[local,demo]'", file=sys.stderr)
        return 1
    try:
        demo.copy_notebooks(work)
    except OSError as exc:
        print(f"gp-widgets demo: cannot copy the notebooks into {work.folder}: {exc}", file=sys.stderr)
        return 1
    for path in work.kept:
        print(f"gp-widgets demo: keeping your edited {path.name} (delete it to get the shipped version)")
    first = demo.FIRST if work.folder / demo.FIRST in work.notebooks else None
    print(f"gp-widgets demo: {len(work.notebooks)} notebooks in {work.folder}; opening {first or 'JupyterLab'} there")
    try:
        return subprocess.call(demo.lab_command(work.folder, lab_args, first), env=demo.lab_env(os.environ),
                               cwd=work.folder)
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "demo":
        sys.exit(_demo(args, extra))
    if args.command == "cache":
        sys.exit(_cache(args))
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    sys.exit(_serve(args))


if __name__ == "__main__":
    main()
