"""What bot/, nlu/ and resources_db/ share: text normalisation and the clock.

It imports nothing of theirs, so each of them may import it."""
