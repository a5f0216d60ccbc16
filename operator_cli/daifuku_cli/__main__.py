import sys

from daifuku_cli.main import main

sys.exit(main())
