"""The ASGI application object uvicorn serves (settings from the environment)."""

from portal.app import create_app

app = create_app()
