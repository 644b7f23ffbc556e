"""The local agent process: claims queued runs, drives scripts, sweeps and
Dask jobs; the Dask worker side.

May import: core, store, artifacts, tracking, submit.
"""
