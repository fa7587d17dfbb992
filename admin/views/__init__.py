"""Page handlers of the admin, one module per area."""
