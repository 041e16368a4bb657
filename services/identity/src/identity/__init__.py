"""Identity & units: who everyone is, which unit they belong to, and what tree that unit sits in."""
