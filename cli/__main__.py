"""``python -m cli`` runs the ``courtrec`` command."""

from cli.main import main

main()
