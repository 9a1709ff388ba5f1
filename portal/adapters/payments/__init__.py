"""Payments: the Mollie adapter and, for development and tests, a local Mollie-compatible
sandbox (`sandbox.py`)."""
