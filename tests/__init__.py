from . import test_install
from . import test_fsm_order
from . import test_restapi
from . import test_restapi_queries
from . import test_restapi_render
from . import test_tour
from . import test_restapi_trust
from . import test_multi_company
