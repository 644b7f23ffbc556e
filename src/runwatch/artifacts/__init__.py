"""Run files: the artifact store (a folder or S3 through fsspec), logs, snapshots.

May import: core, store.
"""
