"""The portal as a SAML 2.0 service provider of Węzeł Krajowy (login.gov.pl): own documented code on
``cryptography`` + signxml + lxml (pysaml2 lacks ECDH-ES / AES-GCM). See docs/adr/0006-login-gov-pl-saml.md."""
