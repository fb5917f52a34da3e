"""da4ml native core (private): DAIS interpreter and CMVM optimizer."""

from . import cmvm as cmvm
from . import dais as dais
