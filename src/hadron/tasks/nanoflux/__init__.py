"""NanoFlux: adversarial synthesis of hard multi-step questions (DESIGN.md §5)."""
