from . import fsm_stage
from . import fsm_order_type
from . import fsm_order
