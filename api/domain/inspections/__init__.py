"""Inspections and their photos (the photo piece itself lives in api/domain/photos/services.py)."""
