"""Evaluation: gold set, metrics, anchors, reports, baselines and the policy diff.

``commands.register(app)`` adds ``policy-assistant eval`` and ``policy-assistant diff``.
"""
