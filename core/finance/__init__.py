"""Money side of a dealer as 1C pushes it: contracts, limits, debt, documents (no wire format)."""
