"""The Rippling → Visma.net benchmark's parts; the script is `benchmarks/rippling_visma.py`.

sandbox.py: the sandboxes in a process of their own · bench.py: the integration under test and how a run is
measured · loop.py: the bare `requests` loop the engine is compared with · phases.py: what each phase does ·
report.py: the figures as text. Nothing here touches Django at import time (the script sets it up first).
"""
