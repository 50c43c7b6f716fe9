"""Preparing a session (plan 5.1): the checklist and the invitations."""
