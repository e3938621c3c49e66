"""Deterministic environments that execute the tools of each scenario family (see ``registry``)."""
