"""The web page for people who do not use the command line (`xltools serve`, extra `xltools[web]`).

`create_app()` in .app builds the application; .server runs it with uvicorn.
"""
