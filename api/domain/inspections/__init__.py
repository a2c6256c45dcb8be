"""Inspections and their photos (the photo piece itself lives in api/lib/photos.py)."""
