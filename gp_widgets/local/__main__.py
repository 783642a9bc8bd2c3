"""``python -m gp_widgets.local serve ...``: the same as ``gp-widgets serve ...``."""

from gp_widgets.cli import main

if __name__ == "__main__":
    main()
