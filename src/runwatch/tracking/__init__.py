"""The logging API: workspace, experiment, run, metrics, files, tags, context,
the buffered writer and liveness.

May import: core, store, artifacts.
"""
