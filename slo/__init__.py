"""stockwatch's service level objectives (slos.yaml) and what is generated from them."""
