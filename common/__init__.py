"""What bot/, nlu/ and resources_db/ share: text normalisation, the clock, weekly
opening hours and the YAML reader.

It imports nothing of theirs, so each of them may import it."""
