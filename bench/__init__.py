"""The benchmark harness: a generator of MSP graphs and a runner that times msp-graph against references."""
