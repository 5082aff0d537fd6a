"""The API's routers, one per topic."""
