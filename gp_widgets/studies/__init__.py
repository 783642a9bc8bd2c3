"""Studies across many photos: the data model, its runner, aggregation, tidy tables and calibration."""
