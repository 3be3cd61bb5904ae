from . import controllers
from . import models
from . import restapi
from . import faults
from . import sanitize_memo
