"""A gemeente's inrichting and practice: its format, loader, audit, synthesis and
werkinstructies, and case timelines (casus).

:mod:`.casus` checks a case step by step: every sharing is decided by the same
rulebook, and :mod:`.tijdsplichten` checks the duties about the order of events.
"""
