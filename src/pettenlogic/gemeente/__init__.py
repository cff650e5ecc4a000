"""A gemeente's inrichting: its format, loader, audit, synthesis and werkinstructies."""
