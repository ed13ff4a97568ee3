"""``python -m cascad_wagtail.emulator --host 127.0.0.1 --port 8100``"""

from __future__ import annotations

import argparse
import logging
import sys

from . import config as defaults
from .config import Account, EmulatorConfig, LiveKeyRefused
from .server import make_server


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cascad_wagtail.emulator",
        description="A local Cascad for tests and demos: Private, Public and control APIs over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8100, help="port to listen on; 0 picks a free one (default 8100)")
    parser.add_argument("--public-url", help="the host URL clients use, for hpp_url (default http://HOST:PORT)")
    parser.add_argument(
        "--account-id", default=defaults.DEFAULT_ACCOUNT_ID, help="commerce account id (Basic-auth user)"
    )
    parser.add_argument(
        "--api-key", default=defaults.DEFAULT_API_KEY, help="API key (Basic-auth password, 43 characters)"
    )
    parser.add_argument("--public-key", default=defaults.DEFAULT_PUBLIC_KEY, help="public key (pk_test_...)")
    parser.add_argument(
        "--secret-key", default=defaults.DEFAULT_SECRET_KEY, help="secret key signing callbacks (sk_test_...)"
    )
    parser.add_argument(
        "--default-callback-url",
        default=defaults.DEFAULT_CALLBACK_URL,
        help="callback URL for invoices created without one",
    )
    parser.add_argument(
        "--callback-mode",
        choices=("auto", "manual"),
        default="auto",
        help="auto: a thread sends callbacks when due; manual: only the control API sends them",
    )
    parser.add_argument("--attempts-limit", type=int, default=10, help="callback delivery attempts (default 10)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="60 makes a minute of the callback schedule and of pending settlement last a second",
    )
    parser.add_argument(
        "--refund-mode",
        choices=("instant", "manual"),
        default="instant",
        help="instant: refunds settle at once; manual: the control API settles them",
    )
    parser.add_argument(
        "--pending-settle-seconds",
        type=float,
        default=None,
        help="settle process_pending invoices as processed after this many emulator seconds",
    )
    parser.add_argument(
        "--callback-timeout",
        type=float,
        default=10.0,
        help="seconds to wait for the shop's answer to a callback (default 10)",
    )
    parser.add_argument(
        "--default-lifetime-seconds",
        type=int,
        default=defaults.DEFAULT_LIFETIME_SECONDS,
        help="invoice lifetime when a create sends neither expires nor lifetime_seconds (default 86400)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    account = Account(args.account_id, args.api_key, args.public_key, args.secret_key)
    try:
        config = EmulatorConfig().updated(
            {
                "callback_mode": args.callback_mode,
                "attempts_limit": args.attempts_limit,
                "time_scale": args.time_scale,
                "refund_mode": args.refund_mode,
                "pending_settle_seconds": args.pending_settle_seconds,
                "default_callback_url": args.default_callback_url,
                "callback_timeout": args.callback_timeout,
                "default_lifetime_seconds": args.default_lifetime_seconds,
            }
        )
        server = make_server(args.host, args.port, account, config, args.public_url)
    except LiveKeyRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bad option value or a port in use: say it plainly
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    print(f"Cascad emulator listening on {server.url} (account {account.account_id}, test mode)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
