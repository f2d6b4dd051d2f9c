"""What the API routes call: a route asks its dependency for one service, makes one call, wraps the result."""
