"""Files of the `runwatch demo` workspace (a notebook and a training script)."""
