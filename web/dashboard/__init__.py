"""The regulator dashboard: recovery against targets, drill-down, inventory, forecast, the log."""
