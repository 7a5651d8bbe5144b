"""Rendering outbox messages: a neutral document, then per-transport markup (HTML, plain)."""
