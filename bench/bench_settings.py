"""The demo shop's settings (``sandbox_site.settings``, environment and all), with the bench URLconf.

Only ``ROOT_URLCONF`` differs: ``bench.bench_urls`` serves the real URLs plus a bare view at ``/bare/``.
Used by ``bench_callback_intake.py`` for gunicorn and for its own setup; nothing else imports it.
"""

from sandbox_site.settings import *  # noqa: F403 - the demo's settings, unchanged

ROOT_URLCONF = "bench.bench_urls"
