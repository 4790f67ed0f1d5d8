"""Run Cloze from a source checkout: ``python main.py`` (same as ``python -m cloze_app``)."""

from cloze_app.entry import main

raise SystemExit(main())
