"""``python -m cip_xl`` runs the command line, the same as ``cip-xl``."""
from .cli import main

if __name__ == "__main__":
    main()
