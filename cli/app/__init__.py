"""The web app for artists: ``server`` builds and serves it, ``context`` holds what it shares,
``widgets`` generates controls from the core's declarations, ``preview`` streams a running
transfer, ``support`` guards uploads and errors, and one module per tab lays it out."""
