"""Simulated Węzeł Krajowy (login.gov.pl) — a SAML 2.0 identity provider for TESTS AND DEMOS ONLY.

A separate system beside the office's code, reached only over HTTP (browser redirects and SOAP), under /sim/wk/:
SingleSignOnService (HTTP-POST AuthnRequest), a page to choose a test identity, the HTTP-Artifact answer, the
idpArtifactResolutionService (SOAP ArtifactResolve → signed ArtifactResponse with an ECDH-ES/AES-256-GCM encrypted,
ECDSA-signed assertion), singleLogoutService (SOAP) and metadata. See docs/adr/0006-login-gov-pl-saml.md.
"""
