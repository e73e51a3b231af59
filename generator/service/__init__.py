"""The online half: the private comment store, moderation, spam rules, the WSGI app."""
