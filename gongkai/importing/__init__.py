"""Turns Word documents (.docx) into draft items: reading (docx.py), 公文 layout (gongwen.py), Markdown (markdown.py)."""
