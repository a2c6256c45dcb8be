"""QR-labelled items (equipment, material batches): their codes and the scan URL a label
carries (qr), the printable labels (drawing), their HTTP responses (responses), the
spreadsheet import (imports) and the label, sheet and import routes every kind shares
(items)."""
