from . import test_fsm_order, test_install, test_tour
