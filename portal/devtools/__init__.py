"""Development tools, never imported in production: the local OpenID Connect provider and the
local Mollie-compatible payment sandbox, which `portal serve` starts beside the portal in
development and which the tests start for themselves. Both refuse to run in production mode,
and their libraries (oidc-provider-mock, werkzeug) are development dependencies only
(requirements-dev.lock), not in the runtime lock (requirements.lock)."""
