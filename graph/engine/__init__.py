"""The coverage engine: the status rule, the NumPy index and the analyses computed on it."""
