"""`ScriptRunConfig`, as `azureml.core.script_run_config` has it (see `runwatch port`)."""

from runwatch.submit._script import ScriptRunConfig

__all__ = ["ScriptRunConfig"]
