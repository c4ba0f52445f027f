"""What callers hear that the owner provides: the audio library (uploads checked and converted
once) and spoken prompts."""
