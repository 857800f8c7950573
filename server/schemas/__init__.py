"""Request/response shapes (pydantic), validated at the edge with sanic-ext."""
