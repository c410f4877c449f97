"""Loading and validating the knowledge base (``spinecare/kb/``). No Django, no FHIR.

``load_kb()`` returns an immutable, hashed ``KnowledgeBase`` or raises ``KnowledgeBaseError``
listing every problem with the file and key path where it is.
"""

from spinecare.knowledge.loader import default_kb_path, load_kb

__all__ = ["default_kb_path", "load_kb"]
