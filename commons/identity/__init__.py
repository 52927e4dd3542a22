"""Identity: OpenID Connect sign-in (ProConnect or another provider) and two-factor sign-in."""
