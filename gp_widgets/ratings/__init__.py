"""Human judgments: blinded rating designs built from variants on disk, their answers, the page raters open
without Python, and the analysis joined to the study's tables (see ``docs/ratings.md``)."""
