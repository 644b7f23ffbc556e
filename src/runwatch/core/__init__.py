"""Records, values, codec, settings and formatting: pure code, no I/O.

May import: `runwatch.errors` and the standard library (numpy for the codec).
"""
