"""A local Cascad: the Private and Public APIs, the control API and fault injection.

Run it with ``python -m cascad_wagtail.emulator --host 127.0.0.1 --port 8100``. It speaks the
wire contract of ``cascad-api.md`` over real HTTP, so the plugin's client, the demo shop and the
tests all talk to it exactly as they would talk to Cascad. See ``docs/emulator.md``.

Layout: ``state`` holds the account's invoices and refunds (thread-safe, in memory); ``cards``
resolves test cards; ``faults`` decides, reproducibly, which requests fail; ``resources`` turns state
into JSON:API; ``api`` parses requests into state calls; ``server`` is the HTTP front door.
"""
