"""``python -m cloze_app``: the window with no arguments, the command line with a subcommand."""

from cloze_app.entry import main

raise SystemExit(main())
