"""THE COMPARISON, NOT PRODUCT CODE: the design apkgen replaces.

A minimal Flask-SocketIO server that sends each build log line with
``send(line, namespace="/<build>")``, as the seed project did. It exists only so that
``make bench`` can measure apkgen's log path against it in the same run.
"""
