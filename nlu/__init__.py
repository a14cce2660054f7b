"""Understanding free text: intents, entities and language."""
