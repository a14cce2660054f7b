"""The ``haven`` command line. Its sub-commands and their output are a stable interface."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import logs
from bot.config import ConfigError, Settings, get_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    logs.configure(settings.log_level)
    try:
        result: int = args.run(settings, args)
    except ConfigError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="haven", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", help="address to listen on (HAVEN_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (HAVEN_PORT)")
    serve.set_defaults(run=_serve)

    chat = commands.add_parser("chat", help="talk to Haven in the terminal")
    chat.add_argument("--jsonl", action="store_true", help="JSON lines in and out, for scripts")
    chat.set_defaults(run=_chat)

    purge = commands.add_parser("purge", help="delete idle conversations now; prints counts")
    purge.set_defaults(run=_purge)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply every pending migration")
    upgrade.set_defaults(run=_db_upgrade)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import create_app

    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_config=None,
        access_log=False,  # access lines would carry query strings and addresses
    )
    return 0


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.terminal import run_jsonl, run_keyboard
    from bot.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        if args.jsonl:
            run_jsonl(runtime.engine.handle, sys.stdin.buffer, sys.stdout)
        else:
            run_keyboard(runtime.engine.handle, input, print)
    finally:
        runtime.close()
    return 0


def _purge(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.jobs import purge_once
    from bot.runtime import open_store

    store = open_store(settings)
    try:
        counts = purge_once(store, settings.retention)
    finally:
        store.close()
    print(f"sessions: {counts.sessions}")
    print(f"messages: {counts.messages}")
    print(f"receipts: {counts.receipts}")
    return 0


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.db import upgrade

    settings.check_production()
    upgrade(settings.effective_database_url)
    print("database is at the newest migration")
    return 0


if __name__ == "__main__":
    sys.exit(main())
