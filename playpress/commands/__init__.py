"""The commands: cli parses the command line; watch, serve and scaffold (new) run on the engine.
Nothing imports them."""
