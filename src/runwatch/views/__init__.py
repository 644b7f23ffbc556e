"""The read model both UIs draw: run details, tables, scatter, overlay, child
tables, downsampling, which value is best, cell formatting, wire shapes.

May import: core, store, artifacts, tracking.
"""
