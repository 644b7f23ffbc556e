"""runwatch's jupyter_server extension: a read-only REST API over the run store."""
