"""The agent interface's request handlers, one module per page or dialog family."""
