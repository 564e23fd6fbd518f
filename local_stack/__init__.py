"""The whole apkgen stack on one machine: ``python -m local_stack`` (= ``make dev``).

One concept per module:

* ``config``: options, ports, URLs and every child's environment (pure but for picking ports);
* ``child``: one part as a process (started, output pumped, READY awaited, stopped);
* ``stack``: :class:`~local_stack.stack.LocalStack`, every part started and stopped in order;
* ``supervisor``: a part that dies is started again, with backoff, until SIGINT/SIGTERM;
* ``servers``: the children that are not packages of their own (moto's server, the app);
* ``resources``: ``create_resources`` creates the bucket, queues and tables against moto (its
  server, or ``mock_aws`` in tests) exactly as the deployment creates them on AWS;
* ``moto_state`` (the WSGI guard), ``moto_requests``, ``moto_journal``, ``moto_snapshots``:
  moto's state kept on disk across restarts;
* ``output``, ``errors``: the stack's terminal output and its exception.
"""
