"""TensorBoard for runs, as `azureml.tensorboard` has it (see `runwatch port`).

`Tensorboard(runs, local_root=None, port=6006).start()` serves event files with
TensorBoard and returns its URL; `runwatch.tensorboard.export.export_to_tensorboard`
writes runs' metrics as event files. Both need `pip install 'runwatch[tensorboard]'`.
"""

from runwatch.tracking._tensorboard import Tensorboard

__all__ = ["Tensorboard"]
