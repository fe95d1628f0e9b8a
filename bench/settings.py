"""Settings for the write benchmarks: the platform's own settings, plus a URLconf that also
mounts the floor views. Nothing here is used outside bench/.
"""

from allout.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
