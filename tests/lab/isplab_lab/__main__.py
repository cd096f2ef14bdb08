import sys

from isplab_lab.cli import main

sys.exit(main())
