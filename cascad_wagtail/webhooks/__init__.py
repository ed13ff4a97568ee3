"""Cascad's callbacks: the thin view at ``/cascad/callback/`` and the intake it shares with operations."""
