"""Submitting work: script configs, environments, compute targets, sweep
configs (sampling, policies) and the sweep run, and starting the local agent.

May import: core, store, artifacts, tracking.
"""
