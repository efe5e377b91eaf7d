"""The horizontal-scaling benchmark's parts; the script is `benchmarks/fleet.py`.

processes.py: the child processes (the sandboxes, Celery workers, beat) and their logs · phases.py: the
integrations under test, the timed phases on one and on two workers, and the beat phase with its checks.
Nothing here touches Django at import time (the script sets it up first).
"""
