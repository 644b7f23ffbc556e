"""Sweeps in the HyperDrive style: config, sampling, policies, the sweep run."""
