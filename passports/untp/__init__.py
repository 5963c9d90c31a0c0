"""UN Transparency Protocol credentials: did:web documents and signed Digital Product Passports.

did.py names organisations (and the service itself) as did:web identifiers and publishes their
keys; credential.py builds the UNTP Digital Product Passport from a passport's public tier;
services.py secures it as an enveloped JOSE credential; views.py serves both over HTTP.
"""
