"""The manufacturer console's pages, one module per task."""
