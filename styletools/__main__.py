"""``python -m styletools`` runs the command-line front end."""

from styletools_cli.entry import run

run()
