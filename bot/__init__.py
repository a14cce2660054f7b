"""Haven: an anonymous, multilingual help chatbot."""
