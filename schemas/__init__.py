"""marshmallow schemas: request and response shapes. They never touch the database."""
