"""Logging in and out; accounts and roles."""
