"""The data layer: catalog, fetch, parse (layouts), validate, cache (store), load; curated tables."""
