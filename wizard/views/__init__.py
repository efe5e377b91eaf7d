"""The setup wizard's pages on the customer admin site (/admin/wizard/…), one module per group of steps.

base.py: `WizardView`, what every page shares (access, where a draft may go, the step pills) · start.py: the start
page and discarding a draft · connection.py: the source and destination connections and their test · steps.py:
streams, mappings and schedule, one form each · finish.py: the preview and turning it on. The URLs are in
wizard/urls.py. Each page calls one wizard service (wizard/services.py), which calls the project's own services.
"""
