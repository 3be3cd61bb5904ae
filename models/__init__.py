from . import ir_http
from . import res_config_settings
from . import fsm_stage
from . import fsm_order_type
from . import fsm_order
