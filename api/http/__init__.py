"""App wiring for HTTP: the Blueprint class, auth, errors, request guards, preconditions, pages."""
