"""The vocabulary and the flow: typed facts about a data flow, their JSON form, and
the checks that let only well-formed input in."""
