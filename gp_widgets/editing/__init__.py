"""The editor without widgets: its session (open a photo, ask for variants through the ledger, history and
recipe as data), scrub mode's stops and background fill, and the text it shows. ``widgets/`` lays them out;
scripts and tests use them with no comm."""
