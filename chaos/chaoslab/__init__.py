"""stockwatch chaos lab: run Chaos Mesh experiments, judge hypotheses and write reports."""
