"""The dashboard, the periodic reports to the Party Committee's standing bodies, the public page."""
