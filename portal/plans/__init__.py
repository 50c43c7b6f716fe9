"""Yearly plans (kế hoạch): programs, timing rules, generated sessions, the plan PDF."""
