from . import restapi
