"""Sharing pages, one module per audience: person.py (a person's sharing page: consents,
objections, disclosures, who can see what and why), agreements.py (an organisation's sharing
agreements, for its information-governance lead) and privacy.py (emergency access and the
privacy officer's alerts and review queues). Each module ends with its urlpatterns."""
