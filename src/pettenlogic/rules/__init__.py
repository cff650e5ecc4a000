"""The rule files: loading and checking the YAML specs, the condition language, and
the article inventory every citation is checked against."""
