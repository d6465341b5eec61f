"""redloop.viz: the Solara browser visualiser.

``redloop viz [SCENARIO]`` serves it (:func:`redloop.viz.app.serve`); in Jupyter, display
``redloop.viz.app.Page()``. ``views`` reads a running model into plain data for the panels,
``feed`` recovers a user's last served discovery page from the event log, ``svg`` draws the
charts and ``bench`` times a Step. The visualiser reads model state and steps the model; it
never calls a platform operation itself.
"""
