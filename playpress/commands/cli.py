"""The command line: build, check, watch, serve, new. Parses arguments and calls the engine."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Report, bug_report

if TYPE_CHECKING:
    from ..build import Options

VERBS = ("build", "check", "watch", "serve", "new")
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="playpress",
        description="Compile community playbooks into SOP calendars, "
        "chat texts, posters and operator handbooks.",
    )
    verbs = main.add_subparsers(dest="verb", metavar="{build,check,watch,serve,new}")

    def build_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--root", default=".", help="project folder (default: current folder)")
        p.add_argument("--out", default=None, help="output folder (default: ROOT/dist)")
        p.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="GROUP",
            help="build only this group, or tag:NAME for every group with that tag (repeatable)",
        )
        p.add_argument("--no-pdf", action="store_true", help="skip handbook PDFs")
        p.add_argument(
            "--jobs",
            type=int,
            default=0,
            metavar="N",
            help="processes for posters and PDFs (default: all cores)",
        )
        p.add_argument("--strict", action="store_true", help="warnings fail the build")
        p.add_argument("--quiet", "-q", action="store_true", help="print problems only")

    build_options(verbs.add_parser("build", help="build dist/ (the default)"))
    check = verbs.add_parser("check", help="validate only; write nothing")
    check.add_argument("--root", default=".")
    check.add_argument("--strict", action="store_true")
    check.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        metavar="DATE",
        help="is this week's content ready? plan values and placeholders left in the posts "
        "dated DATE through DATE+N-1 are errors",
    )
    check.add_argument(
        "--ahead",
        type=days_ahead,
        default=7,
        metavar="N",
        help="days from --as-of that must be ready (default: 7)",
    )
    build_options(verbs.add_parser("watch", help="build, then rebuild what changed on every save"))
    serve = verbs.add_parser("serve", help="watch and preview in a browser that reloads itself")
    build_options(serve)
    serve.add_argument("--port", type=port_number, default=8000)
    serve.add_argument("--host", default="127.0.0.1")

    new = verbs.add_parser("new", help="scaffold a playbook or a group")
    what = new.add_subparsers(dest="what", metavar="{playbook,group}", required=True)
    new_playbook = what.add_parser("playbook")
    new_playbook.add_argument("name")
    new_playbook.add_argument(
        "--type", required=True, choices=("product", "interest", "knowledge", "mixed")
    )
    new_playbook.add_argument("--lang", choices=("zh", "en", "es"), default=None)
    new_playbook.add_argument("--root", default=".")
    new_group = what.add_parser("group")
    new_group.add_argument("name")
    new_group.add_argument("--playbook", required=True)
    new_group.add_argument("--root", default=".")
    return main


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write YYYY-MM-DD") from None


def days_ahead(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of days") from None
    if not 1 <= value <= 3660:
        raise argparse.ArgumentTypeError(f"{value} days: give 1 to 3660")
    return value


def port_number(text: str) -> int:
    """A TCP port: 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return value


def print_diagnostics(report: Report) -> None:
    for diagnostic in report.sorted():
        print(str(diagnostic), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in VERBS and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, "build")
    args = parser().parse_args(args_list)
    root = Path(args.root)
    if not root.is_dir():
        print(f"playpress: error: --root '{args.root}' is not a folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.verb == "new":
            from .scaffold import new

            return new(args)
        if args.verb == "check":
            if args.as_of is None and "--ahead" in args_list:
                print("playpress: error: --ahead counts from --as-of DATE", file=sys.stderr)
                return EXIT_USAGE
            window = (
                (args.as_of, args.as_of + dt.timedelta(days=args.ahead - 1)) if args.as_of else None
            )
            return check(root, args.strict, window)
        options = build_options(args, root)
        if options is None:
            return EXIT_USAGE
        if args.verb == "build":
            return run_build(options, quiet=args.quiet)
        stop_on_sigterm()
        from .watch import watch

        if args.verb == "watch":
            return watch(options)
        from .serve import serve

        return serve(
            options,
            args.host,
            args.port,
            watcher=lambda stop, on_build: watch(options, stop, on_build=on_build),
        )
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - a bug in the engine: say so, with the traceback
        import traceback

        print(f"playpress: {bug_report(traceback.format_exc())}", file=sys.stderr)
        return EXIT_CONTENT


def stop_on_sigterm() -> None:
    """`kill`, a container or a service manager stops watch/serve as Ctrl-C does: the running pass's
    worker processes are ended with it, not left to finish on their own."""

    def interrupt(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def build_options(args: argparse.Namespace, root: Path) -> Options | None:
    from ..build import Options

    if args.jobs < 0:
        print("playpress: error: --jobs must be 0 (all cores) or more", file=sys.stderr)
        return None
    out = Path(args.out) if args.out else root / "dist"
    return Options(
        root=root.resolve(),
        out=out.resolve(),
        only=tuple(args.only),
        pdf=not args.no_pdf,
        jobs=args.jobs,
        strict=args.strict,
    )


def check(root: Path, strict: bool, window: tuple[dt.date, dt.date] | None = None) -> int:
    """Validate everything, and render one page of each kind to memory (a theme template's
    mistake shows only then): what `build` would refuse, without writing anything. With a
    `window` (--as-of), the posts in it must have all their plan values and no placeholder."""
    from ..build import Options, pages_of_each_kind, rehearse
    from ..load import load_project
    from ..session import Session

    session = Session()
    loaded = load_project(root, session, window)
    if loaded.project is not None and not loaded.report.errors:
        options = Options(root=root.resolve(), out=(root / "dist").resolve(), pdf=False)
        rehearsed = rehearse(options, session, pages_of_each_kind)
        loaded.report.extend(rehearsed.report.diagnostics)
        if rehearsed.bug:
            print_diagnostics(loaded.report)
            print(f"playpress: {bug_report(rehearsed.bug)}", file=sys.stderr)
            return EXIT_CONTENT
    print_diagnostics(loaded.report)
    failed = loaded.report.failed(strict)
    project = loaded.project
    ready = f"; posts from {window[0]} to {window[1]} are ready" if window else ""
    if project is not None and not failed:
        print(
            f"ok: {len(project.groups)} groups, {len(project.playbooks)} playbooks "
            f"({loaded.report.summary()}){ready}"
        )
    else:
        print(
            f"check failed: {loaded.report.summary()}"
            + (" (--strict)" if strict and not loaded.report.errors else ""),
            file=sys.stderr,
        )
    return EXIT_CONTENT if failed else EXIT_OK


def print_progress(what: str, count: int, processes: int) -> None:
    """At a terminal, one line before a long stage (a cold build of many groups' PDFs takes
    minutes)."""
    on = f" on {processes} cores" if processes > 1 else ""
    print(f"making {count} {what}{on}...", flush=True)


def run_build(options: Options, quiet: bool = False) -> int:
    from ..build import build
    from ..load import load_project

    if options.only:
        loaded = load_project(options.root)
        if loaded.project is not None:
            groups = loaded.project.groups
            tags = {tag for group in groups.values() for tag in group.tags}
            unknown = [
                g
                for g in options.only
                if g not in groups and not (g.startswith("tag:") and g[4:] in tags)
            ]
            if unknown and not loaded.report.errors:
                known = ", ".join(sorted(groups)) or "none"
                shown = ", ".join(f"tag:{t}" for t in sorted(tags))
                print(
                    f"playpress: error: --only names unknown group(s): {', '.join(unknown)} "
                    f"(groups: {known}{'; tags: ' + shown if shown else ''})",
                    file=sys.stderr,
                )
                return EXIT_USAGE
    result = build(
        options,
        progress=None if quiet or not sys.stdout.isatty() else print_progress,
        waiting=lambda message: print(f"playpress: {message}", file=sys.stderr, flush=True),
    )
    print_diagnostics(result.report)
    if result.bug:
        print(f"playpress: {bug_report(result.bug)}", file=sys.stderr)
        return EXIT_CONTENT
    failed = result.report.failed(options.strict)
    if failed:
        print(
            f"build failed: {result.report.summary()}"
            + ("; earlier outputs left as they were" if result.report.errors else " (--strict)"),
            file=sys.stderr,
        )
        return EXIT_CONTENT
    if not quiet:
        out = (
            os.path.relpath(options.out)
            if not os.path.relpath(options.out).startswith("..")
            else str(options.out)
        )
        print(
            f"built {len(result.written)} file(s), {result.current} current, "
            f"{len(result.removed)} removed "
            f"in {result.seconds:.2f} s -> {out} ({result.report.summary()})"
        )
    return EXIT_OK
