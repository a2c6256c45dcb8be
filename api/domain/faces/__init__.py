"""Faces: consent, enrolment, sealed templates, and the selfie check punches make."""
