"""Build-time tools for hazard models: export, fine-tune, quantize (torch lives only here).

Run with the separate virtual environment described in tools/README.md, never the
project's: nothing in api/, inference/ or storage/ may import this package.
"""
