from inventory_site.exceptions import Conflict


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Invalid transition"
