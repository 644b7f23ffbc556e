"""Early termination policies, as `azureml.train.hyperdrive.policy` has them."""

from runwatch.submit.sweep._policy import BanditPolicy, MedianStoppingPolicy, NoTerminationPolicy

__all__ = ["BanditPolicy", "MedianStoppingPolicy", "NoTerminationPolicy"]
