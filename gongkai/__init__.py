"""Gongkai (公开): turns disclosure items under content/ into the sites, posters and kiosk of a 党务公开栏."""
