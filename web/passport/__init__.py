"""The public passport page behind every QR code: what it shows to each access tier."""
