"""Staff accounts, roles, sign-in, the role check and the audit trail."""
