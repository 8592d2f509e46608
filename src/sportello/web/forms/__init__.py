"""The agent interface's forms, one module per page or dialog family."""
