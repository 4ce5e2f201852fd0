"""``python -m msp_graph.cli``: the same as the ``msp-graph`` command."""

from . import main

if __name__ == "__main__":
    main()
