"""Parsing: turns the bytes of the config and content files into validated model objects, or problems."""
