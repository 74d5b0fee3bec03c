"""Geography: CRS handling, boundaries and area assignment."""
