"""Demo data for the sandbox shop: the catalogue, its pictures, and the seeding that puts them in place."""
