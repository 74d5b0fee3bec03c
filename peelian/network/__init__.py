"""Organised crime networks: association graphs from the store, communities, centrality, key players."""
