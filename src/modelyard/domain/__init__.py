"""Plain typed objects and rules of the registry. No I/O."""
