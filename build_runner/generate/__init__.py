"""Generation: an Open Event export (zip or API URL) becomes a signed, installable APK.

Steps, in order: extract → validate → normalize → images → webapp → package → align → sign →
verify. ``pipeline.generate`` runs them; each module here is one of them and knows no AWS.
"""
