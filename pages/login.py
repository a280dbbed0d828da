"""Log in: the only page before a login when the city does not open a public view, and
the "Log in" link of the public view (`/login`)."""

from ui.auth import login_page
from ui.navigation import through_the_app

through_the_app()

login_page()
