"""Graph algorithms (networkx): ego networks, centrality, recommendations, departures, export."""
