"""Hazard detection on stored photos, the safety officer's review queue, rectifications."""
