"""``manage.py seed_demo [--with-admin]``: the demo shop's pages, products, site, Cascad settings and customer.

The demo customer's paid orders are paid through the Cascad emulator at ``--cascad-host``: run it first.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from cascad_wagtail.models.site_settings import METHOD_CHOICES

from ...demo.seed import Options, seed


class Command(BaseCommand):
    help = (
        "Create (or top up) the demo shop: pages, products with stock, site, Cascad sandbox settings, and the "
        "demo customer customer@example.com / customer with past orders (paid ones only while the emulator runs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--with-admin", action="store_true", help="also create the superuser admin / admin")
        parser.add_argument(
            "--cascad-host",
            default=os.environ.get("SANDBOX_CASCAD_HOST", "http://127.0.0.1:8100"),
            help="the Cascad host (default $SANDBOX_CASCAD_HOST or the emulator at http://127.0.0.1:8100)",
        )
        parser.add_argument("--hostname", default="127.0.0.1", help="the site's hostname (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="the site's port (default 8000)")
        parser.add_argument("--stock", type=int, default=10000, help="stock of every variant (default 10000)")
        parser.add_argument(
            "--offer-methods",
            default="",
            help="comma-separated methods the shop offers (payment_card, sbp, wallet); default: all of Cascad's",
        )

    def handle(self, *args, **options):
        methods = tuple(method for method in options["offer_methods"].split(",") if method)
        unknown = set(methods) - {code for code, _label in METHOD_CHOICES}
        if unknown:
            raise CommandError(f"Unknown payment methods: {', '.join(sorted(unknown))}.")
        site = seed(
            Options(
                cascad_host=options["cascad_host"].rstrip("/"),
                hostname=options["hostname"],
                port=options["port"],
                stock=options["stock"],
                offered_methods=methods,
                with_admin=options["with_admin"],
            ),
            say=lambda line: self.stdout.write(line),
        )
        self.stdout.write(self.style.SUCCESS(f"The demo shop is ready at {site.root_url}/"))
