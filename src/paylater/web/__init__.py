"""Server-rendered pages: hosted checkout, demo shop, consumer portal."""
