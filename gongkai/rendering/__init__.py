"""Rendering: turns what an audience sees into output files as (path, bytes) pairs, never touching the disk."""
