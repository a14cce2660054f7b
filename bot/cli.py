"""The ``haven`` command line. Its sub-commands and their output are a stable interface."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import logs
from bot.config import ConfigError, Settings, get_settings
from resources_db.needs import NEEDS

if TYPE_CHECKING:
    from fastapi import FastAPI

ENGINES = ("rasa", "embedded")


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
    serve.add_argument(
        "--workers", type=int, help="processes (HAVEN_WORKERS); more than one needs PostgreSQL"
    )
    serve.set_defaults(run=_serve)

    chat = commands.add_parser("chat", help="talk to Haven in the terminal")
    chat.add_argument("--jsonl", action="store_true", help="JSON lines in and out, for scripts")
    chat.set_defaults(run=_chat)

    purge = commands.add_parser("purge", help="delete idle conversations now; prints counts")
    purge.set_defaults(run=_purge)

    nlu = commands.add_parser("nlu", help="understanding: parse, evaluate, train")
    nlu_commands = nlu.add_subparsers(required=True, metavar="ACTION")
    parse = nlu_commands.add_parser("parse", help="understand TEXT (or each line of stdin)")
    parse.add_argument("text", nargs="?", help="the message; without it, one per stdin line")
    parse.add_argument("--engine", choices=ENGINES, help="default: rasa if HAVEN_RASA_URL is set")
    parse.set_defaults(run=_nlu_parse)
    test = nlu_commands.add_parser("test", help="evaluate on files in Rasa's nlu.yml format")
    test.add_argument("files", nargs="+", type=Path, metavar="FILE")
    test.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    test.add_argument("--engine", choices=ENGINES, default="embedded")
    test.set_defaults(run=_nlu_test)
    train = nlu_commands.add_parser("train", help="train the embedded model (cached by data)")
    train.set_defaults(run=_nlu_train)

    resources = commands.add_parser("resources", help="the resource directory (Open Referral HSDS)")
    resource_commands = resources.add_subparsers(required=True, metavar="ACTION")
    load = resource_commands.add_parser(
        "import", help="import an HSDS data package (folder) or HSDS JSON file"
    )
    load.add_argument("path", type=Path)
    load.add_argument("--source", help="name of the data source (default: the folder or file name)")
    load.add_argument(
        "--partial", action="store_true", help="add and update only; retire nothing missing"
    )
    load.set_defaults(run=_resources_import)
    search = resource_commands.add_parser("search", help="what the find-help flow would answer")
    search.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. US")
    search.add_argument("--need", choices=NEEDS)
    search.add_argument("--place", help="a city, region or postal code")
    search.add_argument("--lang", default="en", help="language of the answer and the person")
    search.add_argument("--json", action="store_true", help="one JSON object")
    search.set_defaults(run=_resources_search)

    advocate = commands.add_parser("advocate", help="advocates' console accounts")
    advocate_commands = advocate.add_subparsers(required=True, metavar="ACTION")
    add = advocate_commands.add_parser(
        "add", help="create an account; the password is read from standard input"
    )
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="may manage accounts and hours")
    add.add_argument("--display-name", help="how colleagues see them named (default: username)")
    add.set_defaults(run=_advocate_add)

    telegram = commands.add_parser("telegram", help="the Telegram bot")
    telegram_commands = telegram.add_subparsers(required=True, metavar="ACTION")
    webhook = telegram_commands.add_parser(
        "set-webhook", help="register HAVEN_PUBLIC_URL/webhooks/telegram with the secret"
    )
    webhook.set_defaults(run=_telegram_set_webhook)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_commands.add_parser(
        "upgrade", help="apply every pending migration and load the seed directory"
    )
    upgrade.set_defaults(run=_db_upgrade)
    return parser


SHUTDOWN_GRACE_SECONDS = 5
"""How long a stopping server waits for open requests: console streams never end by themselves."""


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT: uvicorn stops taking connections, gives open requests
    ``SHUTDOWN_GRACE_SECONDS``, then runs the app's shutdown (which gives back the copies
    this worker claimed). With several workers, a supervisor passes the signal on to each."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    workers = args.workers or settings.workers
    options: dict[str, Any] = {
        "host": args.host or settings.host,
        "port": args.port or settings.port,
        "log_config": None,
        "access_log": False,  # access lines would carry query strings and addresses
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_SECONDS,
    }
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if workers == 1:
        from bot.app import create_app

        uvicorn.run(create_app(settings), **options)
        return 0
    if settings.effective_database_url.startswith("sqlite"):
        raise ConfigError(
            "SQLite serves one worker (its writers queue inside one process): set "
            f"HAVEN_DATABASE_URL to a PostgreSQL database to run {workers} workers"
        )
    from bot.store.db import open_database

    settings.check_channels()
    open_database(settings).dispose()  # migrated and seeded once, not by every worker at once
    config = uvicorn.Config("bot.cli:worker_app", factory=True, workers=workers, **options)
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        print("haven: a worker failed to start (its log says why)", file=sys.stderr)
        return 1
    return 0


def worker_app() -> FastAPI:
    """The app of one of several workers (``--workers``), built in its own process."""
    from bot.app import create_app

    settings = get_settings()
    logs.configure(settings.log_level)
    return create_app(settings)


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.terminal.adapter import run_jsonl, run_keyboard
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
        counts = purge_once(store, settings.retention, settings.audit_retention)
    finally:
        store.close()
    print(f"sessions: {counts.sessions}")
    print(f"messages: {counts.messages}")
    print(f"receipts: {counts.receipts}")
    return 0


def _nlu_parse(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.catalog import Catalogs
    from bot.runtime import build_guesser, build_interpreter

    interpreter = build_interpreter(settings, args.engine)
    guesser = build_guesser(settings, Catalogs.load(settings.flows_dir / "locales").languages)
    texts = [args.text] if args.text is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in texts:
        parse = interpreter.parse(text)
        guess = guesser.guess(text)
        answer = {
            "text": text,
            "intent": {"name": parse.intent, "confidence": round(parse.confidence, 4)},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in parse.ranking],
            "entities": list(parse.entities),
            "language": guess.language if guess else None,
            "engine": parse.engine,
        }
        print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 0


def _nlu_test(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import build_interpreter
    from nlu.evaluate import evaluate
    from nlu.training_data import read_examples

    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        print(f"haven: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = evaluate(build_interpreter(settings, args.engine), read_examples(args.files))
    print(json.dumps(report.as_json()) if args.json else report.as_table())
    return 0


def _nlu_train(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.core.catalog import Catalogs
    from bot.runtime import build_guesser
    from nlu.embedded import EmbeddedClassifier

    classifier = EmbeddedClassifier.load(
        settings.nlu_dir / "data", settings.models_path, settings.nlu_threshold
    )
    build_guesser(settings, Catalogs.load(settings.flows_dir / "locales").languages)
    print(f"embedded model: {classifier.path}")
    print(f"models are cached in {settings.models_path}")
    return 0


def _resources_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.store.db import open_database
    from resources_db.importer import import_path
    from resources_db.readers import SourceError

    database = open_database(settings)
    try:
        report = import_path(
            database, args.path, args.source, full=not args.partial, progress=sys.stderr.isatty()
        )
    except SourceError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    for problem in report.problems:
        print(f"bad row: {problem}", file=sys.stderr)
    print("\n".join(report.summary()))
    return 1 if report.problems else 0


def _resources_search(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.core.actions import Actions
    from bot.core.catalog import Catalogs
    from bot.store.db import open_database
    from bot.store.records import Conversation
    from resources_db.lookup import Directory

    country = args.country.upper()
    catalogs = Catalogs.load(settings.flows_dir / "locales")
    if args.lang not in catalogs.languages:
        print(f"haven: no catalog for language {args.lang!r}", file=sys.stderr)
        return 2
    database = open_database(settings)
    try:
        actions = Actions.build(settings, catalogs, Directory(database))
        now = datetime.now(UTC)
        conversation = Conversation(
            key="cli",
            channel="cli",
            language=args.lang,
            flow="find_help",
            step="results",
            created_at=now,
            last_active=now,
            rate_window_start=now,
            vars={"country": country, "need": args.need or ""},
        )
        if args.place and not actions.read_place(conversation, args.place):
            print(
                f"haven: the directory knows no place {args.place!r} in {country}", file=sys.stderr
            )
            return 2
        results, answer = actions.help_for(conversation)
        text = answer.text
    finally:
        database.dispose()
    if not args.json:
        print(text)
        return 0
    document = {
        "country": country,
        "need": args.need,
        "place": conversation.vars.get("place"),
        "language": args.lang,
        "text": text,
        "results": [
            {
                "id": item.id,
                "name": item.name,
                "phone": item.voice,
                "sms": item.sms,
                "always_open": item.always_open,
                "open_now": item.open_now,
                "local": item.local,
                "languages": list(item.languages),
            }
            for item in results
        ],
    }
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


def _advocate_add(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console.accounts import AccountError, add_advocate
    from bot.runtime import open_store

    password = sys.stdin.readline().rstrip("\r\n")
    store = open_store(settings)
    try:
        advocate = add_advocate(
            store, args.username, password, admin=args.admin, display_name=args.display_name
        )
    except AccountError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"account {advocate.username} created ({advocate.role})")
    return 0


def _telegram_set_webhook(settings: Settings, _args: argparse.Namespace) -> int:
    import asyncio

    from telegram.error import TelegramError

    from bot.channels.telegram.client import build_application, set_webhook

    settings.check_channels()
    if not settings.telegram_bot_token:
        raise ConfigError("set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first")
    application = build_application(settings)

    async def register() -> str:
        await application.initialize()
        try:
            return await set_webhook(
                application.bot, settings.public_base, settings.telegram_webhook_secret
            )
        finally:
            await application.shutdown()

    try:
        url = asyncio.run(register())
    except TelegramError as exc:
        print(f"haven: Telegram refused the webhook ({type(exc).__name__})", file=sys.stderr)
        return 1
    print(f"webhook set to {url}")
    return 0


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.store.db import make_engine, upgrade
    from resources_db.seed import load_seed

    settings.check_production()
    upgrade(settings.effective_database_url)
    print("database is at the newest migration")
    database = make_engine(settings.effective_database_url)
    try:
        seeded = load_seed(database)
    finally:
        database.dispose()
    print("seed directory loaded" if seeded else "seed directory is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
