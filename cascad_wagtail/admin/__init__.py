"""The app in the Wagtail admin: Settings → Cascad, Payments, Callbacks and the dashboard panel.

Each module registers its own hooks when imported; ``cascad_wagtail.wagtail_hooks`` imports them all.
"""
