"""Analyses: one module per question a chain office asks."""
