"""Petitions (ý kiến, kiến nghị): one point raised by one person or organisation."""
