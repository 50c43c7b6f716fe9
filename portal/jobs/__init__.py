"""Scheduled work (`flask jobs run`): the follow-up that runs by itself."""
