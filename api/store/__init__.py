"""Database access: queries and writes for each resource. Views call these; they call the domain."""
