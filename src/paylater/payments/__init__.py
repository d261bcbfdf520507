"""Consumer payments by card: payment methods, the processor adapter, and autopay."""
