from . import docs
from . import restapi
