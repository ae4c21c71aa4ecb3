import sys

from stationwatch.cli import main

sys.exit(main())
