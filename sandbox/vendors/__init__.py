"""Every vendor sandbox the server mounts, one module per vendor."""
from sandbox.vendors.visma import VismaSandbox

SANDBOXES = [VismaSandbox]
