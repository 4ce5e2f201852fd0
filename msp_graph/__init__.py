"""msp-graph: a knowledge graph and toolkit of multi-stakeholder partnerships (MSPs)."""
