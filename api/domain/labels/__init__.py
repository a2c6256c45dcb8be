"""QR-labelled items (equipment, material batches): their codes and the scan URL a label
carries (qr), the printable labels (drawing), their HTTP responses (responses) and the
spreadsheet import (imports)."""
