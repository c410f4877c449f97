"""The treatment plan: stepped care composed from the Assessment and the knowledge base."""
