"""Running cells against a service: the one cell runner (edit → wait → fetch), its gate and pacing, the
poller and what it learns of task durations, the variant cache, the one upload/reuse of a photo, run
statistics and the run handle. Sweeps, studies, calibration and the editor all run their variants here."""
